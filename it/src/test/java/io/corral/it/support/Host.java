package io.corral.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What the tests observe of the host, read straight from {@code /proc} and {@code /sys}: who we
 * are, which processes exist (with their parent and start time, so a reused pid is not mistaken
 * for the same process), which mounts exist, and which Corral cgroups exist. Snapshots taken
 * before and after a scenario are compared to prove that nothing leaked. Used from test threads
 * only; every method reads the kernel afresh.
 */
public final class Host {
  private static final Path PROC = Path.of("/proc");
  private static final Path CGROUP = Path.of("/sys/fs/cgroup");

  private Host() {}

  /** One process: pid, parent pid, comm, and its start time in clock ticks since boot. */
  public record Proc(int pid, int ppid, String comm, long startTime) {
    /** True while this very process (same pid and start time) exists, zombies included. */
    public boolean alive() {
      Proc now = read(pid);
      return now != null && now.startTime == startTime;
    }

    /** True while this process exists and has not yet been reaped nor turned into a zombie. */
    public boolean running() {
      Proc now = read(pid);
      return now != null && now.startTime == startTime && !"Z".equals(state(pid));
    }

    @Override
    public String toString() {
      return pid + "(" + comm + ", ppid " + ppid + ")";
    }
  }

  /** True when {@code /sys/fs/cgroup} is the cgroup v2 unified hierarchy (no v1 hierarchies). */
  public static boolean unifiedCgroups() {
    return Files.exists(CGROUP.resolve("cgroup.controllers"));
  }

  /**
   * A cgroup's directory: {@code /sys/fs/cgroup/<hierarchy>/<path>} on v1, where
   * {@code hierarchy} names a v1 subsystem, and {@code /sys/fs/cgroup/<path>} on v2.
   */
  public static Path cgroup(String hierarchy, String... path) {
    return Path.of(unifiedCgroups() ? CGROUP.toString() : CGROUP.resolve(hierarchy).toString(), path);
  }

  /** True when the tests run with effective uid 0 (namespaces, mounts and cgroups need it). */
  public static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(PROC.resolve("self/status"))) {
        if (line.startsWith("Uid:")) {
          return "0".equals(line.split("\\s+")[2]);
        }
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One process, or null if it does not exist (anymore). */
  public static Proc read(int pid) {
    String stat;
    try {
      stat = Files.readString(PROC.resolve(Integer.toString(pid)).resolve("stat"));
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return null; // ESRCH while reading: it just went away
    }
    int open = stat.indexOf('(');
    int close = stat.lastIndexOf(')');
    String comm = stat.substring(open + 1, close);
    String[] rest = stat.substring(close + 2).split(" ");
    // rest[0] is field 3 (state); ppid is field 4, starttime is field 22 of proc(5).
    return new Proc(pid, Integer.parseInt(rest[1]), comm, Long.parseLong(rest[19]));
  }

  private static String state(int pid) {
    try {
      String stat = Files.readString(PROC.resolve(Integer.toString(pid)).resolve("stat"));
      return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch (IOException e) {
      return "";
    }
  }

  /** The process's working directory, or null when it is gone or unreadable. */
  public static Path cwd(int pid) {
    try {
      return Files.readSymbolicLink(PROC.resolve(Integer.toString(pid)).resolve("cwd"));
    } catch (IOException e) {
      return null;
    }
  }

  /** Every process of the host, by pid. */
  public static Map<Integer, Proc> processes() {
    Map<Integer, Proc> all = new HashMap<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC, "[0-9]*")) {
      for (Path p : dir) {
        Proc proc = read(Integer.parseInt(p.getFileName().toString()));
        if (proc != null) {
          all.put(proc.pid(), proc);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return all;
  }

  /** Whether {@code p} is below this JVM (a child, grandchild, ...). */
  public static boolean belowThisJvm(Map<Integer, Proc> all, Proc p) {
    return hasAncestor(all, p, (int) ProcessHandle.current().pid());
  }

  /** The processes below {@code ancestor} (children, grandchildren, ...), not {@code ancestor}. */
  public static List<Proc> descendants(int ancestor) {
    Map<Integer, Proc> all = processes();
    List<Proc> found = new ArrayList<>();
    for (Proc p : all.values()) {
      if (p.pid() != ancestor && hasAncestor(all, p, ancestor)) {
        found.add(p);
      }
    }
    return found;
  }

  /** True when {@code ancestor} is {@code p} itself or one of its ancestors. */
  public static boolean hasAncestor(Map<Integer, Proc> all, Proc p, int ancestor) {
    Set<Integer> seen = new HashSet<>();
    Proc cur = p;
    while (cur != null && seen.add(cur.pid())) {
      if (cur.pid() == ancestor) {
        return true;
      }
      cur = all.get(cur.ppid());
    }
    return false;
  }

  /** The lines of the host's mount table, as this (host mount namespace) JVM sees it. */
  public static Set<String> mounts() {
    try {
      return new TreeSet<>(Files.readAllLines(PROC.resolve("self/mountinfo")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The mountinfo lines a container of an agent rooted at {@code root} could have leaked into
   * the host: a {@code /proc} mount (a container's private {@code /proc} propagated back), a
   * mount point under {@code root} (sandboxes, runtime dirs), or anything naming Corral. Other
   * new mounts come from other processes on a shared machine and are not ours to judge.
   */
  public static Set<String> containerMounts(Set<String> lines, Path root) {
    Set<String> ours = new TreeSet<>();
    for (String line : lines) {
      String[] fields = line.split(" ");
      String mountPoint = fields.length > 4 ? fields[4] : "";
      if (mountPoint.equals("/proc") || mountPoint.startsWith("/proc/")
          || mountPoint.startsWith(root.toString()) || line.contains("corral")) {
        ours.add(line);
      }
    }
    return ours;
  }

  /** The names in a directory; empty when it does not exist. */
  public static Set<String> entries(Path dir) {
    if (!Files.isDirectory(dir)) {
      return Set.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      Set<String> names = new TreeSet<>();
      s.forEach(p -> names.add(p.getFileName().toString()));
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every cgroup directory named {@code corral*} under any hierarchy, and everything below it:
   * the v1 hierarchies under {@code /sys/fs/cgroup}, or the v2 hierarchy mounted there itself.
   */
  public static Set<String> corralCgroups() {
    Set<String> found = new TreeSet<>();
    List<String> hierarchies = new ArrayList<>(entries(CGROUP));
    hierarchies.add("");
    for (String hierarchy : hierarchies) {
      Path root = CGROUP.resolve(hierarchy);
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (DirectoryStream<Path> dir = Files.newDirectoryStream(root, "corral*")) {
        for (Path top : dir) {
          walkDirectories(top, found);
        }
      } catch (IOException e) {
        // A hierarchy we cannot read has no Corral cgroup for us to find.
      }
    }
    return found;
  }

  /**
   * Adds {@code top} and every directory below it to {@code found}. Other tests on the machine
   * create and remove their cgroups meanwhile: one that vanishes during the walk is skipped.
   */
  private static void walkDirectories(Path top, Set<String> found) throws IOException {
    Files.walkFileTree(top, new java.nio.file.SimpleFileVisitor<>() {
      @Override
      public java.nio.file.FileVisitResult preVisitDirectory(Path d, java.nio.file.attribute.BasicFileAttributes a) {
        found.add(d.toString());
        return java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return java.nio.file.FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null && !(e instanceof NoSuchFileException)) {
          throw e;
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }
    });
  }

  /**
   * What the host looks like at one moment: its processes, mounts and Corral cgroups. Compare
   * two with {@link #newProcesses}, {@link #newMounts} and {@link #newCgroups}.
   */
  public record Snapshot(Map<Integer, Proc> processes, Set<String> mounts, Set<String> cgroups) {
    public static Snapshot take() {
      return new Snapshot(Host.processes(), Host.mounts(), Host.corralCgroups());
    }

    /** Processes alive in {@code later} that were not in this snapshot (pid reuse included). */
    public List<Proc> newProcesses(Snapshot later) {
      List<Proc> fresh = new ArrayList<>();
      for (Proc p : later.processes.values()) {
        Proc before = processes.get(p.pid());
        if (before == null || before.startTime() != p.startTime()) {
          fresh.add(p);
        }
      }
      return fresh;
    }

    public Set<String> newMounts(Snapshot later) {
      Set<String> fresh = new TreeSet<>(later.mounts);
      fresh.removeAll(mounts);
      return fresh;
    }

    public Set<String> newCgroups(Snapshot later) {
      Set<String> fresh = new TreeSet<>(later.cgroups);
      fresh.removeAll(cgroups);
      return fresh;
    }
  }
}
