package io.corral.posix.launch;

import io.corral.posix.LinuxException;
import io.corral.posix.ProcFs;
import io.corral.posix.Processes;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container started by {@link PidNamespaceLauncher}: the helper process (this JVM's child),
 * its two pipes and a pidfd on the init. {@code release}, {@code abort}, {@code signal} and
 * {@code kill} are called from the caller's blocking threads. The helper outlives the init by
 * one waitpid, so its pidfd firing ({@link Processes#onExit}) means the whole container is gone;
 * the launcher's executor then reaps it and {@link WatchedInit} does the rest.
 */
final class HelperContainer extends WatchedInit {
  private static final Logger LOG = LoggerFactory.getLogger(HelperContainer.class);

  private final int helperPid;
  private final OutputStream sync;
  private final InputStream status;

  HelperContainer(Processes.Spawned helper, OutputStream sync, InputStream status, int initPid,
      int pidfd, boolean ownPidNamespace, Path statusPath, Processes processes, ProcFs proc,
      Executor executor) {
    super(initPid, pidfd, ownPidNamespace, statusPath, processes, proc,
        processes.onExit(helper.pidfd()), () -> reap(processes, helper), executor);
    this.helperPid = helper.pid();
    this.sync = sync;
    this.status = status;
  }

  @Override
  public int helperPid() {
    return helperPid;
  }

  @Override
  public void release() {
    try {
      sync.write('G');
      sync.flush();
    } catch (IOException e) {
      // The init is gone (EPIPE): the status pipe tells the rest.
    }
    closeQuietly(sync);
    boolean child = false;
    InitProtocol.Err failure = null;
    try {
      for (String line; (line = InitProtocol.readLine(status)) != null; ) {
        InitProtocol.Line parsed = InitProtocol.parse(line);
        if (parsed instanceof InitProtocol.Child) {
          child = true;
        } else if (parsed instanceof InitProtocol.Err err && failure == null) {
          failure = err;
        }
      }
    } catch (IOException e) {
      LOG.debug("Status pipe of init {} failed: {}", initPid(), e.toString());
    } finally {
      closeQuietly(status);
    }
    if (failure != null) {
      throw failure.toException();
    }
    if (!child) {
      throw LaunchException.exitedBeforeExec();
    }
  }

  @Override
  public void abort() {
    closeQuietly(sync);
    closeQuietly(status);
  }

  /** Reaps the exited helper and closes its pidfd; a failure is logged, never lost in a future. */
  static void reap(Processes processes, Processes.Spawned helper) {
    try {
      processes.reap(helper.pid());
    } catch (LinuxException e) {
      LOG.error("Failed to reap corral-init helper {}: {}", helper.pid(), e.getMessage());
    } finally {
      processes.close(helper.pidfd());
    }
  }

  static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException | LinuxException e) {
      // nothing to do: the pipe is gone either way
    }
  }
}
