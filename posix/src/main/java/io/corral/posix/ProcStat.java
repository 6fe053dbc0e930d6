package io.corral.posix;

/**
 * The fields of {@code /proc/<pid>/stat} that Corral uses: the process tree (ppid, session), its
 * cpu and memory accounting, and its start time (which tells a process from a later one that
 * reuses its pid). Times are in clock ticks (the start time since boot) and rss in pages, as the
 * kernel gives them.
 */
public record ProcStat(
    int pid, int ppid, int pgrp, int session, char state, String comm,
    long utimeTicks, long stimeTicks, long rssPages, long startTicks) {

  /** A stat whose start time is unknown (0). */
  public ProcStat(int pid, int ppid, int pgrp, int session, char state, String comm,
      long utimeTicks, long stimeTicks, long rssPages) {
    this(pid, ppid, pgrp, session, state, comm, utimeTicks, stimeTicks, rssPages, 0);
  }
}
