/*
 * kafka-broker.c — TicketPulse Kafka test broker.
 *
 * A tiny harness over librdkafka's mock cluster (Debian package
 * librdkafka-dev, header <librdkafka/rdkafka_mock.h>, written against 2.0.2).
 * The mock cluster speaks the real Kafka wire protocol (produce, fetch,
 * list offsets, metadata, consumer groups, offset commit/fetch) on loopback
 * listeners (127.0.0.1, ephemeral ports), so kafkajs talks to it like to a
 * real cluster.
 *
 * Build:  cc -O2 -o kafka-broker kafka-broker.c -lrdkafka
 * Usage:  kafka-broker [--brokers N]
 *                      [--topic name:partitions[:replication]]...
 *                      [--preload topic:path.ndjson[:keyfield]]...
 *
 * On startup it prints exactly one line to stdout:
 *     BOOTSTRAP 127.0.0.1:port,127.0.0.1:port,...
 * (broker ids are 1..N in that order), then reads commands from stdin, one
 * per line, answering each with exactly one line "OK ..." or "ERR ...":
 *
 *     down <broker_id>                  rd_kafka_mock_broker_set_down
 *     up <broker_id>                    rd_kafka_mock_broker_set_up
 *     errors <ApiKey> <count> <errcode> rd_kafka_mock_push_request_errors:
 *                                       the next <count> requests of that
 *                                       ApiKey (0 Produce, 1 Fetch,
 *                                       8 OffsetCommit, ...) to any broker
 *                                       fail with numeric Kafka error
 *                                       <errcode> (e.g. 6 NOT_LEADER...).
 *     clearerrors <ApiKey>              rd_kafka_mock_clear_request_errors
 *     topic <name> <partitions> [repl]  rd_kafka_mock_topic_create
 *     leader <topic> <partition> <id>   rd_kafka_mock_partition_set_leader
 *     rtt <broker_id> <ms>              rd_kafka_mock_broker_set_rtt
 *     preload <topic> <path> [keyfield] produce every non-empty line of an
 *                                       NDJSON file; answers "OK <count>"
 *     ping                              answers "OK pong"
 *     quit                              destroy the cluster, exit 0
 * EOF on stdin behaves like quit (so the broker dies with its parent).
 * librdkafka logs and preload progress go to stderr.
 *
 * LIMITATIONS of the librdkafka 2.0.2 mock cluster (not of this harness):
 *   - Each partition keeps at most 5 MiB of record batches or 100,000
 *     batches, whichever is hit first; older batches are silently dropped
 *     (the log start offset moves forward, consumers see an offset jump or
 *     OFFSET_OUT_OF_RANGE). With ~340-byte messages that is roughly 15,000
 *     messages per partition: size the partition count to the data, or
 *     consume while producing.
 *   - CreateTopics/DeleteTopics admin requests are not supported: create
 *     topics here (--topic / "topic" command). Unknown topics are
 *     auto-created by Metadata requests with the mock default (4 partitions).
 *   - Only message format v2 (MagicByte 2) is accepted; no log compaction.
 *   - "down" disconnects a broker and refuses new connections but does NOT
 *     move partition leadership (use "leader" for that).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static rd_kafka_t *cluster_rk;              /* handle owning the mock cluster */
static rd_kafka_mock_cluster_t *mcluster;
static rd_kafka_t *preload_rk;              /* lazily created producer */
static int broker_cnt = 1;
static char bootstraps[4096];

/* Delivery report bookkeeping for preload. */
static long long dr_ok, dr_fail;
static char dr_first_err[256];

static void reply(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
        fflush(stdout);
}

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_int(const char *s, long *out) {
        char *end;
        if (!s || !*s)
                return -1;
        errno = 0;
        *out  = strtol(s, &end, 10);
        if (errno || *end)
                return -1;
        return 0;
}

static int default_replication(void) {
        return broker_cnt < 3 ? broker_cnt : 3;
}

static int create_topic(const char *name, int partitions, int replication,
                        char *errbuf, size_t errsize) {
        rd_kafka_resp_err_t err;
        if (partitions < 1) {
                snprintf(errbuf, errsize, "partitions must be >= 1");
                return -1;
        }
        if (replication < 1)
                replication = default_replication();
        if (replication > broker_cnt)
                replication = broker_cnt;
        err = rd_kafka_mock_topic_create(mcluster, name, partitions,
                                         replication);
        if (err) {
                snprintf(errbuf, errsize, "topic_create %s: %s", name,
                         rd_kafka_err2str(err));
                return -1;
        }
        return 0;
}

/* ---------------------------------------------------------------- preload */

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *m,
                      void *opaque) {
        (void)rk;
        (void)opaque;
        if (m->err) {
                if (!dr_fail)
                        snprintf(dr_first_err, sizeof(dr_first_err), "%s",
                                 rd_kafka_err2str(m->err));
                dr_fail++;
        } else {
                dr_ok++;
        }
}

static int conf_set(rd_kafka_conf_t *conf, const char *k, const char *v,
                    char *errbuf, size_t errsize) {
        if (rd_kafka_conf_set(conf, k, v, errbuf, errsize) !=
            RD_KAFKA_CONF_OK) {
                fprintf(stderr, "kafka-broker: conf %s=%s: %s\n", k, v,
                        errbuf);
                return -1;
        }
        return 0;
}

static rd_kafka_t *get_preload_producer(char *errbuf, size_t errsize) {
        rd_kafka_conf_t *conf;
        if (preload_rk)
                return preload_rk;

        conf = rd_kafka_conf_new();
        if (conf_set(conf, "bootstrap.servers", bootstraps, errbuf, errsize) ||
            /* Same partition for a key as kafkajs' default (Java-compatible
             * murmur2) partitioner; unkeyed messages go to random partitions. */
            conf_set(conf, "partitioner", "murmur2_random", errbuf, errsize) ||
            conf_set(conf, "queue.buffering.max.messages", "1000000", errbuf,
                     errsize) ||
            conf_set(conf, "queue.buffering.max.kbytes", "1048576", errbuf,
                     errsize) ||
            conf_set(conf, "linger.ms", "20", errbuf, errsize) ||
            conf_set(conf, "batch.num.messages", "10000", errbuf, errsize) ||
            conf_set(conf, "batch.size", "1000000", errbuf, errsize) ||
            /* Uncompressed so every client (kafkajs: no lz4/snappy/zstd
             * codecs by default) can read what we preload. */
            conf_set(conf, "compression.codec", "none", errbuf, errsize) ||
            conf_set(conf, "acks", "all", errbuf, errsize) ||
            conf_set(conf, "message.timeout.ms", "120000", errbuf, errsize)) {
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
        preload_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errbuf, errsize);
        if (!preload_rk)
                rd_kafka_conf_destroy(conf); /* not owned on failure */
        return preload_rk;
}

/* Find the value of JSON field "keyfield" in line (simple strstr-based
 * extraction: first occurrence of "keyfield" followed by ':' wins, even when
 * nested). Strings are returned without quotes (escapes are kept verbatim);
 * other scalars (numbers, true/false) up to the next ',' '}' ']' or space.
 * Returns 0 and sets *start and *len on success, -1 if not found. */
static int extract_key(const char *line, const char *keyfield,
                       const char **start, size_t *len) {
        char pat[512];
        const char *p = line;
        size_t plen;

        plen = (size_t)snprintf(pat, sizeof(pat), "\"%s\"", keyfield);
        if (plen >= sizeof(pat))
                return -1;

        while ((p = strstr(p, pat))) {
                const char *q = p + plen;
                while (*q == ' ' || *q == '\t')
                        q++;
                if (*q != ':') {
                        p += plen; /* the pattern was a value, not a name */
                        continue;
                }
                q++;
                while (*q == ' ' || *q == '\t')
                        q++;
                if (*q == '"') {
                        const char *s = ++q;
                        while (*q && *q != '"') {
                                if (*q == '\\' && q[1])
                                        q++;
                                q++;
                        }
                        if (*q != '"')
                                return -1;
                        *start = s;
                        *len   = (size_t)(q - s);
                        return 0;
                } else {
                        const char *s = q;
                        while (*q && *q != ',' && *q != '}' && *q != ']' &&
                               *q != ' ' && *q != '\t')
                                q++;
                        if (q == s || !strncmp(s, "null", 4))
                                return -1;
                        *start = s;
                        *len   = (size_t)(q - s);
                        return 0;
                }
        }
        return -1;
}

static void cmd_preload(const char *topic, const char *path,
                        const char *keyfield) {
        char errbuf[512];
        rd_kafka_t *rk;
        FILE *fp;
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        long long produced = 0;
        double t0          = now_s();

        if (!(rk = get_preload_producer(errbuf, sizeof(errbuf)))) {
                reply("ERR preload producer: %s", errbuf);
                return;
        }
        if (!(fp = fopen(path, "r"))) {
                reply("ERR cannot open %s: %s", path, strerror(errno));
                return;
        }

        dr_ok = dr_fail = 0;
        dr_first_err[0] = '\0';

        while ((n = getline(&line, &cap, fp)) != -1) {
                const char *key = NULL;
                size_t keylen   = 0;
                rd_kafka_resp_err_t err;

                while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                        line[--n] = '\0';
                if (n == 0)
                        continue;

                if (keyfield && extract_key(line, keyfield, &key, &keylen))
                        key = NULL, keylen = 0;

                for (;;) {
                        err = rd_kafka_producev(
                            rk, RD_KAFKA_V_TOPIC(topic),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_KEY(key, keylen),
                            RD_KAFKA_V_VALUE(line, (size_t)n),
                            RD_KAFKA_V_END);
                        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                                break;
                        rd_kafka_poll(rk, 50); /* serve delivery reports */
                }
                if (err) {
                        fclose(fp);
                        free(line);
                        rd_kafka_flush(rk, 30000);
                        reply("ERR produce to %s failed after %lld messages: "
                              "%s",
                              topic, produced, rd_kafka_err2str(err));
                        return;
                }
                produced++;
                if (produced % 100000 == 0) {
                        double dt = now_s() - t0;
                        fprintf(stderr,
                                "kafka-broker: preload %s: %lld queued, "
                                "%lld delivered (%.0f msg/s)\n",
                                topic, produced, dr_ok,
                                dt > 0 ? (double)produced / dt : 0.0);
                }
                rd_kafka_poll(rk, 0);
        }
        fclose(fp);
        free(line);

        while (rd_kafka_outq_len(rk) > 0) {
                if (rd_kafka_flush(rk, 1000) == RD_KAFKA_RESP_ERR__TIMED_OUT &&
                    now_s() - t0 > 600) {
                        reply("ERR preload %s: flush timed out (%d in queue)",
                              topic, rd_kafka_outq_len(rk));
                        return;
                }
        }

        {
                double dt = now_s() - t0;
                fprintf(stderr,
                        "kafka-broker: preload %s: %lld messages in %.2fs "
                        "(%.0f msg/s), %lld failed\n",
                        topic, produced, dt,
                        dt > 0 ? (double)produced / dt : 0.0, dr_fail);
        }
        if (dr_fail)
                reply("ERR preload %s: %lld of %lld messages failed: %s",
                      topic, dr_fail, produced, dr_first_err);
        else
                reply("OK %lld", produced);
}

/* ---------------------------------------------------------------- commands */

#define MAXARGS 8

static void handle(char *line) {
        char *argv[MAXARGS];
        int argc = 0;
        char *save, *tok;
        char errbuf[512];
        long a, b, c;
        rd_kafka_resp_err_t err;

        for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < MAXARGS;
             tok = strtok_r(NULL, " \t\r\n", &save))
                argv[argc++] = tok;
        if (argc == 0) {
                reply("ERR empty command");
                return;
        }

        if (!strcmp(argv[0], "ping")) {
                reply("OK pong");
        } else if (!strcmp(argv[0], "down") || !strcmp(argv[0], "up")) {
                if (argc != 2 || parse_int(argv[1], &a)) {
                        reply("ERR usage: %s <broker_id>", argv[0]);
                        return;
                }
                err = !strcmp(argv[0], "down")
                          ? rd_kafka_mock_broker_set_down(mcluster, (int32_t)a)
                          : rd_kafka_mock_broker_set_up(mcluster, (int32_t)a);
                if (err)
                        reply("ERR %s", rd_kafka_err2str(err));
                else
                        reply("OK");
        } else if (!strcmp(argv[0], "errors")) {
                size_t i;
                rd_kafka_resp_err_t *errs;
                if (argc != 4 || parse_int(argv[1], &a) ||
                    parse_int(argv[2], &b) || parse_int(argv[3], &c) || a < 0 ||
                    b < 1 || b > 100000) {
                        reply("ERR usage: errors <ApiKey> <count> <errcode>");
                        return;
                }
                errs = calloc((size_t)b, sizeof(*errs));
                for (i = 0; i < (size_t)b; i++)
                        errs[i] = (rd_kafka_resp_err_t)c;
                rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)a,
                                                        (size_t)b, errs);
                free(errs);
                reply("OK");
        } else if (!strcmp(argv[0], "clearerrors")) {
                if (argc != 2 || parse_int(argv[1], &a)) {
                        reply("ERR usage: clearerrors <ApiKey>");
                        return;
                }
                rd_kafka_mock_clear_request_errors(mcluster, (int16_t)a);
                reply("OK");
        } else if (!strcmp(argv[0], "topic")) {
                if (argc < 3 || argc > 4 || parse_int(argv[2], &a) ||
                    (argc == 4 && parse_int(argv[3], &b))) {
                        reply("ERR usage: topic <name> <partitions> "
                              "[replication]");
                        return;
                }
                if (create_topic(argv[1], (int)a, argc == 4 ? (int)b : -1,
                                 errbuf, sizeof(errbuf)))
                        reply("ERR %s", errbuf);
                else
                        reply("OK");
        } else if (!strcmp(argv[0], "leader")) {
                if (argc != 4 || parse_int(argv[2], &a) ||
                    parse_int(argv[3], &b)) {
                        reply("ERR usage: leader <topic> <partition> "
                              "<broker_id>");
                        return;
                }
                err = rd_kafka_mock_partition_set_leader(
                    mcluster, argv[1], (int32_t)a, (int32_t)b);
                if (err)
                        reply("ERR leader: %s", rd_kafka_err2str(err));
                else
                        reply("OK");
        } else if (!strcmp(argv[0], "rtt")) {
                if (argc != 3 || parse_int(argv[1], &a) ||
                    parse_int(argv[2], &b)) {
                        reply("ERR usage: rtt <broker_id> <ms>");
                        return;
                }
                err = rd_kafka_mock_broker_set_rtt(mcluster, (int32_t)a,
                                                   (int)b);
                if (err)
                        reply("ERR rtt: %s", rd_kafka_err2str(err));
                else
                        reply("OK");
        } else if (!strcmp(argv[0], "preload")) {
                if (argc < 3 || argc > 4) {
                        reply("ERR usage: preload <topic> <path> [keyfield]");
                        return;
                }
                cmd_preload(argv[1], argv[2], argc == 4 ? argv[3] : NULL);
        } else {
                reply("ERR unknown command '%s'", argv[0]);
        }
}

static void shutdown_all(void) {
        if (preload_rk) {
                rd_kafka_flush(preload_rk, 5000);
                rd_kafka_destroy(preload_rk);
                preload_rk = NULL;
        }
        if (mcluster) {
                rd_kafka_mock_cluster_destroy(mcluster);
                mcluster = NULL;
        }
        if (cluster_rk) {
                rd_kafka_destroy(cluster_rk);
                cluster_rk = NULL;
        }
}

static void usage(const char *prog) {
        fprintf(stderr,
                "usage: %s [--brokers N] [--topic name:partitions[:repl]]... "
                "[--preload topic:path.ndjson[:keyfield]]...\n",
                prog);
}

int main(int argc, char **argv) {
        char errbuf[512];
        rd_kafka_conf_t *conf;
        const char *bs;
        char *line = NULL;
        size_t cap = 0;
        int i;
        long v;

        /* A reader that went away must not kill us mid-reply with SIGPIPE
         * before the cluster is destroyed; writes just fail instead. */
        signal(SIGPIPE, SIG_IGN);

        /* First pass: --brokers (topics need the broker count). */
        for (i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--brokers") && i + 1 < argc) {
                        if (parse_int(argv[++i], &v) || v < 1 || v > 64) {
                                fprintf(stderr, "bad --brokers\n");
                                return 2;
                        }
                        broker_cnt = (int)v;
                } else if ((!strcmp(argv[i], "--topic") ||
                            !strcmp(argv[i], "--preload")) &&
                           i + 1 < argc) {
                        i++;
                } else {
                        usage(argv[0]);
                        return 2;
                }
        }

        /* The mock cluster needs an rd_kafka_t for bookkeeping; a plain
         * producer without bootstrap servers does nothing else. */
        conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "log_level", "4", errbuf, sizeof(errbuf)))
                fprintf(stderr, "kafka-broker: %s\n", errbuf);
        cluster_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errbuf,
                                  sizeof(errbuf));
        if (!cluster_rk) {
                fprintf(stderr, "kafka-broker: rd_kafka_new: %s\n", errbuf);
                rd_kafka_conf_destroy(conf);
                return 1;
        }
        /* Listeners bind to 127.0.0.1 on ephemeral ports (loopback only). */
        mcluster = rd_kafka_mock_cluster_new(cluster_rk, broker_cnt);
        if (!mcluster) {
                fprintf(stderr, "kafka-broker: mock cluster creation failed\n");
                rd_kafka_destroy(cluster_rk);
                return 1;
        }
        bs = rd_kafka_mock_cluster_bootstraps(mcluster);
        snprintf(bootstraps, sizeof(bootstraps), "%s", bs);

        /* Second pass: topics, then preloads (in command-line order). */
        for (i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--brokers")) {
                        i++;
                } else if (!strcmp(argv[i], "--topic")) {
                        char *spec = strdup(argv[++i]);
                        char *name = spec, *p, *r = NULL;
                        long parts = 0, repl = -1;
                        int bad = 0;
                        errbuf[0] = '\0';
                        if (!(p = strchr(spec, ':'))) {
                                bad = 1;
                        } else {
                                *p++ = '\0';
                                if ((r = strchr(p, ':')))
                                        *r++ = '\0';
                                bad = parse_int(p, &parts) ||
                                      (r && parse_int(r, &repl)) ||
                                      create_topic(name, (int)parts, (int)repl,
                                                   errbuf, sizeof(errbuf));
                        }
                        if (bad) {
                                fprintf(stderr,
                                        "kafka-broker: bad --topic %s %s\n",
                                        argv[i], errbuf);
                                free(spec);
                                shutdown_all();
                                return 2;
                        }
                        free(spec);
                }
        }

        /* Report the bootstrap list before preloading so the parent can start
         * its clients; preload answers appear as "OK <n>" lines afterwards
         * (one per --preload, in order). */
        reply("BOOTSTRAP %s", bootstraps);

        for (i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--brokers") ||
                    !strcmp(argv[i], "--topic")) {
                        i++;
                } else if (!strcmp(argv[i], "--preload")) {
                        char *spec = strdup(argv[++i]);
                        char *topic = spec, *path, *key = NULL;
                        if (!(path = strchr(spec, ':'))) {
                                reply("ERR bad --preload %s", argv[i]);
                        } else {
                                *path++ = '\0';
                                /* keyfield is after the LAST ':' only if it
                                 * doesn't look like part of the path */
                                if ((key = strrchr(path, ':')) &&
                                    !strchr(key, '/'))
                                        *key++ = '\0';
                                else
                                        key = NULL;
                                cmd_preload(topic, path, key);
                        }
                        free(spec);
                }
        }

        while (getline(&line, &cap, stdin) != -1) {
                if (!strncmp(line, "quit", 4) &&
                    (line[4] == '\0' || line[4] == '\n' || line[4] == '\r' ||
                     line[4] == ' ')) {
                        break;
                }
                handle(line);
        }
        free(line);

        shutdown_all();
        reply("OK bye");
        return 0;
}
