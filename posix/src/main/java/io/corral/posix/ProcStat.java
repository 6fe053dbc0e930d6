package io.corral.posix;

/**
 * The fields of {@code /proc/<pid>/stat} that Corral uses: the process tree (ppid, session) and
 * its cpu and memory accounting. Times are in clock ticks and rss in pages, as the kernel gives them.
 */
public record ProcStat(
    int pid, int ppid, int pgrp, int session, char state, String comm,
    long utimeTicks, long stimeTicks, long rssPages) {}
