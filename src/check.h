/* `bucketlist.fcgi --check`: like `nginx -t` for operators. Loads the
 * configuration, fetches the secret, lists the buckets once and prints a
 * summary (secret id, regions, bootstrap source, bucket count; never a
 * value). Returns 0 when all of it worked. */
#ifndef BUCKETLIST_CHECK_H
#define BUCKETLIST_CHECK_H

#include "config.h"

int check_run(const worker_config *cfg);
/* The summary's failure lines for a configuration that could not even be read. */
void check_report_config_error(const bl_error *err);

#endif
