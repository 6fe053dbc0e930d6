package io.corral.isolators.posix;

import io.corral.posix.ProcFs;
import io.corral.proto.v1.ResourceStatistics;

/**
 * {@code posix/mem}: the resident memory of the container's process tree, from {@code /proc}:
 * the sum of rss pages over the init and all its descendants, in bytes ({@code mem_rss_bytes}).
 * Shared pages are counted once per process, as in Mesos. Accounting only; see
 * {@link PosixIsolator} for state, threading, recover and cleanup.
 */
public final class PosixMemIsolator extends PosixIsolator {

  public PosixMemIsolator(ProcFs proc) {
    super(proc);
  }

  @Override
  public String name() {
    return "posix/mem";
  }

  @Override
  protected void addUsage(ProcessTree tree, ProcFs proc, ResourceStatistics.Builder stats) {
    stats.setMemRssBytes(tree.rssPages() * proc.pageSize());
  }
}
