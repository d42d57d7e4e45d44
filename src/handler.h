/* One FastCGI request: routing, the response status and headers, and the
 * per-request log line.
 *
 *   GET|HEAD /buckets[?prefix=P]  the bucket list (HTML fragment, or JSON with
 *                                 Accept: application/json), streamed page by page
 *   GET|HEAD /healthz             200 once the S3 credentials are loaded, else 503
 *   other methods                 405 with Allow; other paths 404 */
#ifndef BUCKETLIST_HANDLER_H
#define BUCKETLIST_HANDLER_H

#include <fcgiapp.h>

#include "worker.h"

void handler_serve(worker *w, FCGX_Request *req);

#endif
