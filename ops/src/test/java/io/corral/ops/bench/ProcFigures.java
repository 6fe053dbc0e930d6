package io.corral.ops.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What the benchmarks read of a process from /proc (CPU time, RSS, JIT threads) and its heap. */
final class ProcFigures {
  private ProcFigures() {}

  /** The CPU time so far of the JIT compiler threads ("C1/C2 CompilerThread") of {@code pid}. */
  static long jitCpuMicros(long pid) throws IOException {
    long ticks = 0;
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          if (name.contains("CompilerThre")) {
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
          }
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    }
    return ticks * 10_000; // USER_HZ is 100 on Linux
  }

  static void print(String when, long[] snapshot, boolean self) {
    System.out.printf("memory: %-22s RSS %,d bytes%s%n", when, snapshot[0],
        self ? String.format(", heap used after GC %,d bytes", snapshot[1]) : "");
  }

  /** {RSS of pid, heap used after GC (this JVM only, else -1)}, after the JVM has settled. */
  static long[] snapshot(long pid, boolean self) throws Exception {
    if (self) {
      for (int i = 0; i < 3; i++) {
        System.gc();
      }
    } else {
      jcmdGc(pid);
    }
    TimeUnit.MILLISECONDS.sleep(500);
    long heap = self ? ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() : -1;
    return new long[] {rss(pid), heap};
  }

  static void jcmdGc(long pid) throws Exception {
    Process jcmd = new ProcessBuilder("jcmd", Long.toString(pid), "GC.run")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
      jcmd.destroyForcibly();
    }
  }

  /**
   * CPU time of {@code pid} and of its reaped children (utime, stime, cutime, cstime of
   * {@code /proc/<pid>/stat}), in microseconds: the JVM reaps corral-init, which reaps the init,
   * which reaps the command, so every container's processes are included.
   */
  static long cpuMicros(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = 0;
      for (int i = 11; i <= 14; i++) { // fields 14..17 of stat(5), counted from field 3 here
        ticks += Long.parseLong(fields[i]);
      }
      return ticks * 10_000; // USER_HZ is 100 on Linux
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to read '/proc/" + pid + "/stat'", e);
    }
  }

  /**
   * The CPU time of {@code pid} so far, by thread name with digits folded (C2 compiler, GC,
   * dispatchers...), and of its reaped children: where a JVM's launch cost goes.
   */
  static void printThreadCpu(long pid) throws IOException {
    Map<String, Long> byName = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
          byName.merge(name, ticks * 10L, Long::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    }
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    byName.put("(reaped children)", (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) * 10L);
    System.out.println("cpu by thread of pid " + pid + " (ms, whole run, live threads only):");
    byName.entrySet().stream().filter(e -> e.getValue() > 0)
        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
        .forEach(e -> System.out.printf("  %-24s %8d%n", e.getKey(), e.getValue()));
  }

  /** VmRSS of {@code pid} in bytes. */
  static long rss(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to read '/proc/" + pid + "/status'", e);
    }
    throw new IllegalStateException("Failed to find 'VmRSS:' for pid " + pid);
  }
}
