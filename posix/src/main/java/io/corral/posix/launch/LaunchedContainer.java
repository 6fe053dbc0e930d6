package io.corral.posix.launch;

import java.util.concurrent.CompletableFuture;

/**
 * A container forked by a {@link Launcher}: its init (pid 1 of its pid namespace when it has
 * one) and the means to release, signal and kill it.
 */
public interface LaunchedContainer {

  /** The init's pid as seen from the host. */
  int initPid();

  /** The host-side helper's pid (the init's parent). */
  int helperPid();

  /**
   * Sends the go byte and blocks until the command has been exec'd (the status pipe reaches
   * EOF), so a container is RUNNING only after this returns.
   *
   * @throws LaunchException naming the failed step, when the helper reports one or dies before exec
   */
  void release();

  /** Closes the sync pipe without the go byte: the init exits without running anything. */
  void abort();

  /** Sends a signal to the init, which forwards SIGTERM, SIGINT and SIGHUP to the command. */
  void signal(int signal);

  /**
   * Kills every process of the container: SIGKILL to the init of its pid namespace (the kernel
   * kills the rest), or to every process of its session when it has no pid namespace.
   */
  void kill();

  /**
   * Completes once the init has been reaped and no process of the container is left, with the
   * command's raw wait status: what the init recorded, or SIGKILL (9) when it recorded nothing
   * (it was killed), as Mesos does.
   */
  CompletableFuture<Integer> exited();
}
