/* Region and endpoint resolution, as the SDKs do it.
 *
 * Region: AWS_REGION, then AWS_DEFAULT_REGION, then the active profile's
 * `region` (see profile.h); a secret ARN carries its own region.
 * Endpoint of a service: unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the
 * profile's ignore_configured_endpoint_urls) is true, the service variable
 * (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SECRETS_MANAGER,
 * AWS_ENDPOINT_URL_STS), then AWS_ENDPOINT_URL, then the profile's
 * `endpoint_url`; else https://<service>.<region>.amazonaws.com
 * (.amazonaws.com.cn for cn-* regions). The profile's `services` sections
 * are not supported. */
#ifndef BUCKETLIST_ENDPOINT_H
#define BUCKETLIST_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define AWS_REGION_MAX 64
#define AWS_ENDPOINT_URL_MAX 512

typedef enum { AWS_SVC_S3, AWS_SVC_SECRETS_MANAGER, AWS_SVC_STS } aws_service;

/* SigV4 signing name: "s3", "secretsmanager", "sts". */
const char *aws_service_signing_name(aws_service svc);
/* The variable overriding this service's endpoint: "AWS_ENDPOINT_URL_S3", ... */
const char *aws_service_endpoint_env(aws_service svc);

/* True if s is a syntactically valid region name: 1-63 of [a-z0-9-]. */
bool aws_region_valid(const char *s);

/* Configured region into out ("" if none is configured). Returns 0, or -1 with BL_ERR_CONFIG when a
 * setting holds an invalid region (the message names the setting) or the profile files are broken. */
int aws_region_resolve(char out[AWS_REGION_MAX], bl_error *err);

/* Region field of an ARN ("arn:aws:secretsmanager:eu-west-1:…"): 1 and out filled when `arn` is an
 * ARN with a valid region, else 0 (out = ""). */
int aws_region_from_arn(const char *arn, char out[AWS_REGION_MAX]);

/* Base URL for `svc` (scheme://host[:port][/path], no trailing slash). An empty region is a
 * BL_ERR_CONFIG error, except for STS, which then uses the global https://sts.amazonaws.com
 * (us-east-1), as botocore does. An invalid configured URL is a BL_ERR_CONFIG error naming the
 * variable or profile key it came from. */
int aws_endpoint_url(aws_service svc, const char *region, char *out, size_t out_len, bl_error *err);

/* Checks an endpoint URL: http or https scheme, a host, an optional numeric port, no spaces or
 * control characters. `what` names the setting in the message. */
int aws_endpoint_validate(const char *url, const char *what, bl_error *err);

/* Splits an http(s) URL: host (without brackets for IPv6 literals) and port (default by scheme).
 * Returns 0 or -1 for a URL aws_endpoint_validate would reject. */
int aws_url_host_port(const char *url, char *host, size_t host_len, int *port, bool *https);

/* True for "true" in any case (the SDKs' boolean settings). */
bool aws_env_true(const char *name);

#endif
