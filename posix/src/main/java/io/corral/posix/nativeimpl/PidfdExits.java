package io.corral.posix.nativeimpl;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import jnr.ffi.Runtime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exit notification for pidfds: one epoll instance and one daemon thread
 * ({@code corral-pidfd-exits}) watch every registered pidfd, which becomes readable when its
 * process has exited, whoever its parent is. This replaces a thread per process (the JDK's
 * reaper, or a blocked poll(2)): an idle container costs one epoll entry, not a thread stack.
 *
 * <p>A pidfd fires once: the thread removes it from the epoll set, then completes its future, so
 * the owner may close the pidfd from then on. An owner must not close a pidfd before its future
 * completes (epoll would forget it silently and the future would never complete). Futures
 * complete on the watching thread: dependents must hop to their own executor
 * ({@code thenApplyAsync}), never block it.
 *
 * <p>NOTE: {@code struct epoll_event} is packed on x86_64 (12 bytes: events, then the 64-bit
 * data at offset 4) and naturally aligned elsewhere (16 bytes, data at offset 8). The data
 * carries the pidfd itself.
 */
final class PidfdExits {
  private static final Logger LOG = LoggerFactory.getLogger(PidfdExits.class);
  private static final int EVENT_SIZE = Arch.current().epollEventSize;
  private static final int DATA_OFFSET = Arch.current().epollDataOffset;
  private static final int EPOLL_CLOEXEC = 0x80000;
  private static final int EPOLL_CTL_ADD = 1;
  private static final int EPOLL_CTL_DEL = 2;
  private static final int EPOLLIN = 1;
  private static final int BATCH = 64;

  private final LibC libc;
  private final Runtime runtime;
  private final int epfd;
  private final ConcurrentMap<Integer, CompletableFuture<Void>> watched = new ConcurrentHashMap<>();

  private PidfdExits(LibC libc, int epfd) {
    this.libc = libc;
    this.runtime = Runtime.getRuntime(libc);
    this.epfd = epfd;
  }

  /** Creates the epoll instance and starts the watching thread. */
  static PidfdExits start(LibC libc) {
    int epfd = libc.epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
      int errno = Runtime.getRuntime(libc).getLastError();
      throw new LinuxException("epoll_create1", Errno.of(errno), "flags=EPOLL_CLOEXEC");
    }
    PidfdExits exits = new PidfdExits(libc, epfd);
    Thread thread = new Thread(exits::run, "corral-pidfd-exits");
    thread.setDaemon(true);
    thread.start();
    return exits;
  }

  /** Completes once the pidfd's process has exited (at once when it already has). */
  CompletableFuture<Void> watch(int pidfd) {
    CompletableFuture<Void> exited = new CompletableFuture<>();
    CompletableFuture<Void> stale = watched.put(pidfd, exited);
    if (stale != null) {
      // Its owner broke the contract and closed the pidfd before it fired (epoll dropped it
      // with the last reference): that watch can never fire now, so say so rather than hang.
      LOG.error("Pidfd {} was closed while its exit was watched", pidfd);
      stale.completeExceptionally(new IllegalStateException(
          "pidfd " + pidfd + " was closed before its process exited"));
    }
    byte[] event = new byte[EVENT_SIZE];
    ByteBuffer.wrap(event).order(ByteOrder.nativeOrder()).putInt(0, EPOLLIN).putLong(DATA_OFFSET, pidfd);
    if (libc.epoll_ctl(epfd, EPOLL_CTL_ADD, pidfd, event) < 0) {
      int errno = runtime.getLastError();
      watched.remove(pidfd);
      throw new LinuxException("epoll_ctl", Errno.of(errno), "EPOLL_CTL_ADD pidfd=" + pidfd);
    }
    return exited;
  }

  /** The number of pidfds being watched (for tests and diagnostics). */
  int size() {
    return watched.size();
  }

  private void run() {
    byte[] events = new byte[BATCH * EVENT_SIZE];
    ByteBuffer view = ByteBuffer.wrap(events).order(ByteOrder.nativeOrder());
    while (true) {
      int n = libc.epoll_wait(epfd, events, BATCH, -1);
      if (n < 0) {
        int errno = runtime.getLastError();
        if (errno != Errno.EINTR.code()) {
          // Nothing else can fail here short of a bug (EBADF, EFAULT): say so and keep going.
          LOG.error("epoll_wait on the pidfd watcher failed: errno={}", errno);
        }
        continue;
      }
      for (int i = 0; i < n; i++) {
        int pidfd = (int) view.getLong(i * EVENT_SIZE + DATA_OFFSET);
        fired(pidfd);
      }
    }
  }

  private void fired(int pidfd) {
    // Out of the set before the owner learns of it: once it may close the pidfd, the number can
    // be handed out again and registered anew.
    if (libc.epoll_ctl(epfd, EPOLL_CTL_DEL, pidfd, new byte[EVENT_SIZE]) < 0) {
      LOG.warn("Failed to remove pidfd {} from the exit watcher: errno={}", pidfd, runtime.getLastError());
    }
    CompletableFuture<Void> exited = watched.remove(pidfd);
    if (exited == null) {
      LOG.error("Pidfd {} fired but nobody watches it", pidfd);
      return;
    }
    try {
      exited.complete(null);
    } catch (RuntimeException e) {
      LOG.error("An exit callback for pidfd {} failed", pidfd, e); // never lose the thread
    }
  }
}
