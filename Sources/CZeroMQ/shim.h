#ifndef CZEROMQ_SHIM_H
#define CZEROMQ_SHIM_H
#include <zmq.h>
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

// errno macros do not import into Swift; expose them as functions.
static inline int czmq_eagain(void) { return EAGAIN; }
static inline int czmq_eintr(void) { return EINTR; }
static inline int czmq_eterm(void) { return ETERM; }
static inline int czmq_ehostunreach(void) { return EHOSTUNREACH; }
#endif
