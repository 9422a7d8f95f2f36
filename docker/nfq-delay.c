/*
 * nfq-delay: holds every packet iptables sends to an NFQUEUE for a delay (plus
 * uniform jitter), then lets it go. The lab's fallback for netem's `delay D J` on
 * kernels without sch_netem. Run it inside a container's network namespace
 * (nsenter -t PID -n), with a rule such as
 *   iptables -A OUTPUT -o eth0 -j NFQUEUE --queue-num 7 --queue-bypass
 * so packets flow undelayed whenever this program is not bound to the queue.
 *
 * Packets leave in the order they came (a packet is never released before the one
 * queued ahead of it), so jitter stretches gaps but does not reorder: TCP sees no
 * spurious duplicate acks. Only packet metadata is copied to user space; the kernel
 * keeps the payload until the verdict.
 *
 * Usage: nfq-delay QUEUE DELAY_MS JITTER_MS [SEED]
 * Prints "ready" on stdout once bound; on SIGTERM/SIGINT it releases what it holds and exits.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define MAX_HELD 65536 /* the kernel queue's length is set to the same */

struct held { uint32_t id; int64_t release_ns; };

static struct held ring[MAX_HELD];
static size_t head, count;
static int64_t last_release_ns;
static int64_t delay_ns, jitter_ns;
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static volatile sig_atomic_t stopping;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* xorshift64*: a uniform draw in [0, 1). */
static double uniform(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  (void)msg; (void)data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (count == MAX_HELD) { /* full: let it through rather than lose it */
    nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
    return 0;
  }
  int64_t wait = delay_ns + (int64_t)((uniform() * 2.0 - 1.0) * (double)jitter_ns);
  if (wait < 0) wait = 0;
  int64_t release = now_ns() + wait;
  if (release < last_release_ns) release = last_release_ns; /* keep order */
  last_release_ns = release;
  ring[(head + count) % MAX_HELD] = (struct held){ id, release };
  count++;
  return 0;
}

static void release_due(struct nfq_q_handle *qh, int64_t now) {
  while (count > 0 && ring[head].release_ns <= now) {
    nfq_set_verdict(qh, ring[head].id, NF_ACCEPT, 0, NULL);
    head = (head + 1) % MAX_HELD;
    count--;
  }
}

static void on_signal(int sig) { (void)sig; stopping = 1; }

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s QUEUE DELAY_MS JITTER_MS [SEED]\n", argv[0]);
    return 64;
  }
  int queue = atoi(argv[1]);
  delay_ns = (int64_t)(atof(argv[2]) * 1e6);
  jitter_ns = (int64_t)(atof(argv[3]) * 1e6);
  if (argc > 4) rng_state ^= strtoull(argv[4], NULL, 10) * 0xbf58476d1ce4e5b9ULL;
  if (rng_state == 0) rng_state = 1;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  struct nfq_handle *h = nfq_open();
  if (!h) { perror("nfq_open"); return 1; }
  nfq_unbind_pf(h, AF_INET);
  if (nfq_bind_pf(h, AF_INET) < 0) { perror("nfq_bind_pf"); return 1; }
  struct nfq_q_handle *qh = nfq_create_queue(h, (uint16_t)queue, &on_packet, NULL);
  if (!qh) { fprintf(stderr, "nfq-delay: cannot bind queue %d: %s\n", queue, strerror(errno)); return 1; }
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) { perror("nfq_set_mode"); return 1; }
  nfq_set_queue_maxlen(qh, MAX_HELD);
  /* A full kernel queue passes packets instead of dropping them. */
  nfq_set_queue_flags(qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
  nfnl_rcvbufsiz(nfq_nfnlh(h), 8 * 1024 * 1024);

  int fd = nfq_fd(h);
  printf("ready\n");
  fflush(stdout);

  char buf[65536] __attribute__((aligned));
  while (!stopping) {
    int timeout = -1;
    if (count > 0) {
      int64_t wait = ring[head].release_ns - now_ns();
      timeout = wait <= 0 ? 0 : (int)((wait + 999999) / 1000000);
    }
    struct pollfd pfd = { fd, POLLIN, 0 };
    int ready = poll(&pfd, 1, timeout);
    if (ready < 0 && errno != EINTR) { perror("poll"); break; }
    if (ready > 0) {
      for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
          if (errno == ENOBUFS) continue; /* the kernel dropped notifications; fail-open covers it */
          perror("recv");
          break;
        }
        nfq_handle_packet(h, buf, (int)n);
      }
    }
    release_due(qh, now_ns());
  }
  /* Unbinding drops held packets: let them all go first. */
  release_due(qh, INT64_MAX);
  nfq_destroy_queue(qh);
  nfq_close(h);
  return 0;
}
