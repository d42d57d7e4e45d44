/* bucketlist.fcgi: the FastCGI worker.
 *
 * Start-up order matters: configuration, log, then the secret is fetched
 * before the first request is accepted (worker_start). The accept loop then
 * serves requests one at a time; SIGTERM lets the current request finish and
 * ends the loop. */
#include <fcgiapp.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "handler.h"
#include "listen.h"
#include "log.h"
#include "worker.h"

enum { EXIT_FATAL = 1, EXIT_USAGE = 2 };

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
    FCGX_ShutdownPending();
}

/* The process will hold keys in memory: keep them out of core files and away from same-user
 * debuggers (PR_SET_DUMPABLE also blocks ptrace attach by other processes of this user). */
static void protect_memory(void)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: bucketlist.fcgi [--socket PATH|HOST:PORT] [--log-file PATH]\n"
            "       bucketlist.fcgi --check\n"
            "\n"
            "FastCGI worker that lists the S3 buckets of an AWS account. At start-up it\n"
            "reads the S3 credentials from an AWS Secrets Manager secret, keeps them in\n"
            "memory only, and serves GET /buckets (HTML fragment, or JSON with\n"
            "Accept: application/json) and GET /healthz.\n"
            "\n"
            "Options:\n"
            "  --socket SPEC     listen on a Unix socket path or HOST:PORT yourself; without it\n"
            "                    the listening socket must be on fd 0 (spawn-fcgi)\n"
            "  --log-file PATH   append one line per request there (also BUCKETLIST_LOG_FILE);\n"
            "                    spawn-fcgi discards stderr, so use this under spawn-fcgi\n"
            "  --check           fetch the secret, list the buckets once, print a summary, exit\n"
            "                    0 (works) or 1 (says what to fix)\n"
            "  --help, --version\n"
            "\n"
            "Environment:\n"
            "  BUCKETLIST_SECRET_ID             secret name or ARN (required)\n"
            "  BUCKETLIST_SECRET_VERSION_STAGE  default AWSCURRENT\n"
            "  BUCKETLIST_S3_PAGE_SIZE          buckets per ListBuckets page (1-10000, default 1000)\n"
            "  BUCKETLIST_REFETCH_INTERVAL      min seconds between secret re-fetches (default 30)\n"
            "  BUCKETLIST_DEADLINE_MS           time budget of one page request (default 25000)\n"
            "  AWS credential chain for Secrets Manager: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,\n"
            "  AWS_WEB_IDENTITY_TOKEN_FILE, ~/.aws files (AWS_PROFILE), ECS/EKS container\n"
            "  credentials, EC2 instance metadata. AWS_REGION, AWS_ENDPOINT_URL[_S3|_SECRETS_MANAGER].\n");
}

int main(int argc, char **argv)
{
    const char *socket_spec = NULL;
    const char *log_file = getenv("BUCKETLIST_LOG_FILE");
    int check = 0;
    static const struct option opts[] = {
        {"socket", required_argument, NULL, 's'}, {"log-file", required_argument, NULL, 'l'},
        {"check", no_argument, NULL, 'c'},        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 's': socket_spec = optarg; break;
        case 'l': log_file = optarg; break;
        case 'c': check = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("bucketlist.fcgi %s\n", BUCKETLIST_VERSION); return 0;
        default:
            fprintf(stderr, "Run 'bucketlist.fcgi --help' for the options.\n");
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "bucketlist.fcgi: unexpected argument '%s'. Run 'bucketlist.fcgi --help'.\n", argv[optind]);
        return EXIT_USAGE;
    }

    protect_memory();
    char msg[512];
    if (log_open(log_file, msg, sizeof msg) != 0) {
        fprintf(stderr, "bucketlist.fcgi: %s\n", msg);
        return EXIT_FATAL;
    }
    bl_error err;
    bl_error_clear(&err);
    worker_config cfg;
    if (worker_config_from_env(&cfg, &err) != 0) {
        if (check)
            check_report_config_error(&err);
        else
            log_event("error", "%s", err.message);
        return EXIT_FATAL;
    }
    if (check)
        return check_run(&cfg) == 0 ? 0 : EXIT_FATAL;

    /* Find the listening socket before the slow start-up work, so a wrong invocation fails fast. */
    int listen_fd = 0;
    if (socket_spec != NULL) {
        listen_fd = listen_open(socket_spec, 128, &err);
        if (listen_fd < 0) {
            log_event("error", "%s", err.message);
            return EXIT_FATAL;
        }
    } else if (!listen_fd0_is_socket()) {
        log_event("error", "no FastCGI listening socket on fd 0: run under spawn-fcgi (spawn-fcgi -s SOCKET -- "
                           "bucketlist.fcgi) or pass --socket PATH|HOST:PORT. Use --check to test the "
                           "configuration.");
        return EXIT_USAGE;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    /* A client that goes away mid-response must give write errors, not kill the worker. */
    signal(SIGPIPE, SIG_IGN);

    worker *w = NULL;
    worker_start_result started = worker_start(&cfg, &w, &err);
    if (started == WORKER_START_FATAL) {
        log_event("error", "cannot start: %s", err.message);
        worker_free(w);
        return EXIT_FATAL;
    }
    if (started == WORKER_START_OK)
        log_event("info", "S3 credentials loaded from Secrets Manager (bootstrap credentials: %s; S3 region %s)",
                  worker_bootstrap_source(w), worker_s3_region(w));

    worker_take_upstream_calls(w); /* the start-up fetch is not part of the first request */

    if (FCGX_Init() != 0) {
        log_event("error", "FCGX_Init failed");
        worker_free(w);
        return EXIT_FATAL;
    }
    FCGX_Request req;
    FCGX_InitRequest(&req, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
    /* Stop signals may interrupt only the wait for a request: libfcgi does not resume a write that
     * a signal interrupts, so during a request they stay blocked and take effect after it. */
    sigset_t stop_signals, unblocked;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGUSR1);
    sigprocmask(SIG_BLOCK, &stop_signals, &unblocked);
    log_event("info", "accepting requests (bucketlist %s)", BUCKETLIST_VERSION);
    for (;;) {
        sigprocmask(SIG_SETMASK, &unblocked, NULL);
        int rc = stop_requested ? -1 : FCGX_Accept_r(&req);
        sigprocmask(SIG_BLOCK, &stop_signals, NULL);
        if (rc < 0) {
            if (!stop_requested)
                log_event("error", "FastCGI accept failed (%d); stopping", rc);
            break;
        }
        /* A request accepted just as a stop signal arrived is still served. */
        handler_serve(w, &req);
        FCGX_Finish_r(&req);
    }
    log_event("info", "stopping");
    FCGX_Free(&req, 1);
    worker_free(w);
    log_close();
    return 0;
}
