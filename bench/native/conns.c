/*
 * The `conns` scenario's load generator in C: opens N idle MQTT 3.1.1 connections to 127.0.0.1:PORT, at
 * most MAX_PENDING handshakes (TCP connect, CONNECT, CONNACK) in flight, and keeps them open.
 *
 * Why not node: on loopback the kernel charges the whole TCP handshake (both ends, about 35 µs) to the
 * connecting thread. Node's handle objects add 8-15 µs on top, which put the node generator at a full core
 * near 16,000 connects/s, below what the brokers accept (docs/performance.md, sections 11 and 18). Here the
 * generator costs the kernel's share and little more.
 *
 * Driven by run-load.ts over stdin/stdout, one line each way:
 *   child prints  {"event":"armed"}                 once it is ready to start
 *   parent sends  go                                 start the burst (the clock starts here)
 *   child prints  {"event":"opened",...}             every handshake settled: counts, time, own CPU
 *   parent sends  stop   (or closes stdin)           close every connection with RST, then exit
 *   child prints  {"event":"stopped",...}            how many were alive, how many the broker closed
 *
 * usage: conns PORT COUNT MAX_PENDING KEEPALIVE CLIENT_ID_PREFIX
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

enum state { IDLE_NEW, IDLE_CONNECTING, IDLE_WAIT_CONNACK, IDLE_READY, IDLE_CLOSED };

struct idle_conn {
    int fd;
    enum state state;
    uint64_t started_ns;
};

#define STDIN_TAG UINT32_MAX
#define MAX_ERROR_KINDS 8

static struct idle_conn *conns;
static uint64_t *handshake_ns;
static int count, max_pending, next_to_open, pending, ready, failed, closed_by_broker, settled;
static int epoll_fd;
static struct sockaddr_in broker;
static const char *prefix;
static int keepalive;

static struct { const char *what; int n; } errors[MAX_ERROR_KINDS];

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_us(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void count_error(const char *what) {
    for (int i = 0; i < MAX_ERROR_KINDS; i++) {
        if (errors[i].what == NULL) errors[i].what = what;
        if (errors[i].what == what) { errors[i].n++; return; }
    }
}

/* CONNECT, MQTT 3.1.1, clean session, no will, no credentials. */
static size_t connect_packet(uint8_t *out, int index) {
    char id[64];
    int id_len = snprintf(id, sizeof id, "%s%d", prefix, index);
    size_t n = 0;
    out[n++] = 0x10;
    out[n++] = (uint8_t)(10 + 2 + id_len);
    static const uint8_t header[] = {0, 4, 'M', 'Q', 'T', 'T', 4, 0x02};
    memcpy(out + n, header, sizeof header);
    n += sizeof header;
    out[n++] = (uint8_t)(keepalive >> 8);
    out[n++] = (uint8_t)keepalive;
    out[n++] = 0;
    out[n++] = (uint8_t)id_len;
    memcpy(out + n, id, (size_t)id_len);
    return n + (size_t)id_len;
}

static void open_next(void);

/* A handshake ended, either way: the next connection may start. */
static void settle(struct idle_conn *c, int ok) {
    pending--;
    settled++;
    if (ok) {
        c->state = IDLE_READY;
        handshake_ns[ready++] = now_ns() - c->started_ns;
    } else {
        failed++;
        c->state = IDLE_CLOSED;
        close(c->fd);
    }
    if (next_to_open < count) open_next();
}

static void open_next(void) {
    int index = next_to_open++;
    struct idle_conn *c = &conns[index];
    c->started_ns = now_ns();
    pending++;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        count_error("socket() failed");
        pending--; settled++; failed++;
        c->state = IDLE_CLOSED;
        if (next_to_open < count) open_next();
        return;
    }
    /* Edge-triggered for writable and readable at once: no epoll_ctl between CONNECT and CONNACK. */
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = (uint32_t)index};
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &ev);
    c->state = IDLE_CONNECTING;
    if (connect(c->fd, (struct sockaddr *)&broker, sizeof broker) != 0 && errno != EINPROGRESS) {
        count_error("connect() failed");
        settle(c, 0);
    }
}

static void on_event(struct idle_conn *c, uint32_t events) {
    if (c->state == IDLE_CONNECTING && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0) { count_error("connect refused or reset"); settle(c, 0); return; }
        uint8_t packet[128];
        size_t n = connect_packet(packet, (int)(c - conns));
        if (write(c->fd, packet, n) != (ssize_t)n) { count_error("CONNECT write failed"); settle(c, 0); return; }
        c->state = IDLE_WAIT_CONNACK;
    }
    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
    uint8_t buffer[256];
    ssize_t n = read(c->fd, buffer, sizeof buffer);
    if (n < 0 && errno == EAGAIN) return;
    if (c->state == IDLE_WAIT_CONNACK) {
        /* A CONNACK is 4 bytes: 0x20, remaining length 2, flags, return code. */
        if (n >= 4 && buffer[0] == 0x20 && buffer[1] == 2 && buffer[3] == 0) settle(c, 1);
        else if (n >= 4 && buffer[0] == 0x20) { count_error("CONNACK refused"); settle(c, 0); }
        else { count_error(n > 0 ? "unexpected bytes before CONNACK" : "closed before CONNACK"); settle(c, 0); }
    } else if (c->state == IDLE_READY && n <= 0) {
        closed_by_broker++;
        c->state = IDLE_CLOSED;
        close(c->fd);
    }
}

static void print_errors(void) {
    printf("\"errors\":[");
    for (int i = 0; i < MAX_ERROR_KINDS && errors[i].what; i++)
        printf("%s{\"what\":\"%s\",\"count\":%d}", i ? "," : "", errors[i].what, errors[i].n);
    printf("]");
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t percentile_us(double p) {
    if (ready == 0) return 0;
    int at = (int)(p * ready);
    if (at >= ready) at = ready - 1;
    return handshake_ns[at] / 1000;
}

/* Waits for a line on stdin; returns its first word ("" at end of input). */
static const char *read_command(char *line, size_t size) {
    if (fgets(line, (int)size, stdin) == NULL) return "";
    line[strcspn(line, "\r\n")] = 0;
    return line;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: conns PORT COUNT MAX_PENDING KEEPALIVE CLIENT_ID_PREFIX\n");
        return 2;
    }
    int port = atoi(argv[1]);
    count = atoi(argv[2]);
    max_pending = atoi(argv[3]);
    keepalive = atoi(argv[4]);
    prefix = argv[5];
    if (port <= 0 || port > 65535 || count <= 0 || max_pending <= 0) {
        fprintf(stderr, "conns: bad arguments\n");
        return 2;
    }
    memset(&broker, 0, sizeof broker);
    broker.sin_family = AF_INET;
    broker.sin_port = htons((uint16_t)port);
    broker.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < (rlim_t)count + 64) {
        limit.rlim_cur = limit.rlim_max < (rlim_t)count + 64 ? limit.rlim_max : (rlim_t)count + 64;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    /* Grow the descriptor table to full size now: each doubling mid-burst stalls the process. */
    if (dup2(0, count + 32) >= 0) close(count + 32);

    conns = calloc((size_t)count, sizeof *conns);
    handshake_ns = calloc((size_t)count, sizeof *handshake_ns);
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (!conns || !handshake_ns || epoll_fd < 0) { perror("conns"); return 1; }

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("{\"event\":\"armed\"}\n");
    char line[64];
    if (strcmp(read_command(line, sizeof line), "go") != 0) return 0;

    uint64_t cpu_start = cpu_us();
    uint64_t start = now_ns();
    int first = count < max_pending ? count : max_pending;
    for (int i = 0; i < first; i++) open_next();
    struct epoll_event events[256];
    while (settled < count) {
        int n = epoll_wait(epoll_fd, events, 256, 1000);
        for (int i = 0; i < n; i++) on_event(&conns[events[i].data.u32], events[i].events);
    }
    uint64_t elapsed = now_ns() - start;
    uint64_t cpu = cpu_us() - cpu_start;
    qsort(handshake_ns, (size_t)ready, sizeof *handshake_ns, compare_u64);
    printf("{\"event\":\"opened\",\"ready\":%d,\"failed\":%d,\"elapsedNs\":%llu,\"cpuUs\":%llu,"
           "\"handshakeUs\":{\"p50\":%llu,\"p99\":%llu,\"max\":%llu},",
           ready, failed, (unsigned long long)elapsed, (unsigned long long)cpu,
           (unsigned long long)percentile_us(0.5), (unsigned long long)percentile_us(0.99),
           (unsigned long long)percentile_us(1.0));
    print_errors();
    printf("}\n");

    /* Idle until told to stop, noticing connections the broker closes meanwhile. */
    struct epoll_event input = {.events = EPOLLIN, .data.u32 = STDIN_TAG};
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, 0, &input);
    for (int stop = 0; !stop;) {
        int n = epoll_wait(epoll_fd, events, 256, -1);
        for (int i = 0; i < n; i++) {
            if (events[i].data.u32 == STDIN_TAG) stop = 1;
            else on_event(&conns[events[i].data.u32], events[i].events);
        }
    }
    int alive = 0;
    /* Abortive close (RST): no TIME-WAIT sockets slow the next run's connects. */
    struct linger abort_close = {.l_onoff = 1, .l_linger = 0};
    for (int i = 0; i < count; i++) {
        if (conns[i].state != IDLE_READY) continue;
        alive++;
        setsockopt(conns[i].fd, SOL_SOCKET, SO_LINGER, &abort_close, sizeof abort_close);
        close(conns[i].fd);
    }
    printf("{\"event\":\"stopped\",\"alive\":%d,\"closedByBroker\":%d}\n", alive, closed_by_broker);
    return 0;
}
