package io.corral.posix.testing;

import io.corral.posix.Errno;
import io.corral.posix.LinuxException;
import io.corral.posix.cgroup.CgroupFs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One cgroup hierarchy of {@link FakeLinux}, in memory, with the kernel's errors: mkdir of an
 * existing cgroup is EEXIST and of one whose parent is missing ENOENT; rmdir is EBUSY while the
 * cgroup has processes or children; a missing control file is ENOENT; a numeric control file
 * (default {@code max} or an integer) refuses other values with EINVAL; {@code cgroup.procs}
 * takes a pid of the fake process table (ESRCH otherwise) and moves it out of its old cgroup.
 *
 * <p>Every cgroup starts with {@code cgroup.procs}, {@code notify_on_release} and the files of the
 * hierarchy named by the root's last component ({@code pids}, {@code memory}, {@code cpu},
 * {@code net_cls}, {@code freezer}), plus those added with {@link FakeLinux#cgroupFile}.
 * Thread-safe through the FakeLinux lock.
 */
public final class FakeCgroupFs implements CgroupFs {
  private static final Pattern NUMERIC = Pattern.compile("max|-?[0-9]+");
  private static final Map<String, Map<String, String>> SUBSYSTEM_FILES = Map.of(
      "pids", Map.of("pids.max", "max", "pids.current", "0"),
      "memory", Map.of("memory.limit_in_bytes", "9223372036854771712",
          "memory.soft_limit_in_bytes", "9223372036854771712", "memory.usage_in_bytes", "0",
          "memory.max_usage_in_bytes", "0"),
      "cpu", Map.of("cpu.shares", "1024", "cpu.cfs_period_us", "100000", "cpu.cfs_quota_us", "-1"),
      "net_cls", Map.of("net_cls.classid", "0"),
      "freezer", Map.of("freezer.state", "THAWED"));

  private final FakeLinux kernel;
  private final Path root;
  private final Map<String, String> template = new LinkedHashMap<>();
  private final Map<String, Map<String, String>> cgroups = new LinkedHashMap<>();
  private final Map<Integer, String> membership = new HashMap<>();

  FakeCgroupFs(FakeLinux kernel, Path root, Map<String, String> extra) {
    this.kernel = kernel;
    this.root = root;
    template.put("notify_on_release", "0");
    Path name = root.getFileName();
    template.putAll(SUBSYSTEM_FILES.getOrDefault(name == null ? "" : name.toString(), Map.of()));
    template.putAll(extra);
    cgroups.put("", new LinkedHashMap<>(template));
  }

  @Override
  public Path root() {
    return root;
  }

  @Override
  public boolean exists(String cgroup) {
    synchronized (kernel) {
      return cgroups.containsKey(key(cgroup));
    }
  }

  @Override
  public void mkdir(String cgroup) {
    synchronized (kernel) {
      String key = key(cgroup);
      Path path = root.resolve(key);
      String detail = "path='" + path + "'";
      kernel.record("mkdir " + detail);
      kernel.check("mkdir", path, detail);
      if (cgroups.containsKey(key)) {
        throw new LinuxException("mkdir", Errno.EEXIST, detail);
      }
      if (!cgroups.containsKey(parent(key))) {
        throw new LinuxException("mkdir", Errno.ENOENT, detail);
      }
      cgroups.put(key, new LinkedHashMap<>(template));
    }
  }

  @Override
  public void rmdir(String cgroup) {
    synchronized (kernel) {
      String key = key(cgroup);
      Path path = root.resolve(key);
      String detail = "path='" + path + "'";
      kernel.record("rmdir " + detail);
      kernel.check("rmdir", path, detail);
      if (!cgroups.containsKey(key)) {
        throw new LinuxException("rmdir", Errno.ENOENT, detail);
      }
      boolean children = cgroups.keySet().stream().anyMatch(c -> !c.equals(key) && parent(c).equals(key));
      if (key.isEmpty() || children || membership.containsValue(key)) {
        throw new LinuxException("rmdir", Errno.EBUSY, detail);
      }
      cgroups.remove(key);
    }
  }

  @Override
  public void write(String cgroup, String file, String value) {
    synchronized (kernel) {
      String key = key(cgroup);
      Path path = root.resolve(key).resolve(file);
      String detail = "path='" + path + "'";
      kernel.record("write " + detail + " value='" + value + "'");
      kernel.check("write", path, detail);
      Map<String, String> files = cgroups.get(key);
      if (files == null || (!file.equals("cgroup.procs") && !files.containsKey(file))) {
        throw new LinuxException("write", Errno.ENOENT, detail);
      }
      String trimmed = value.trim();
      if (file.equals("cgroup.procs")) {
        int pid = parsePid(trimmed, detail);
        if (!kernel.hasProcess(pid)) {
          throw new LinuxException("write", Errno.ESRCH, detail);
        }
        membership.put(pid, key);
      } else if (NUMERIC.matcher(files.get(file)).matches() && !NUMERIC.matcher(trimmed).matches()) {
        throw new LinuxException("write", Errno.EINVAL, detail);
      } else {
        files.put(file, trimmed);
      }
    }
  }

  @Override
  public String read(String cgroup, String file) {
    synchronized (kernel) {
      String key = key(cgroup);
      Path path = root.resolve(key).resolve(file);
      String detail = "path='" + path + "'";
      kernel.check("read", path, detail);
      Map<String, String> files = cgroups.get(key);
      if (files != null && file.equals("cgroup.procs")) {
        return String.join("\n", procs(key).stream().map(String::valueOf).toList());
      }
      if (files == null || !files.containsKey(file)) {
        throw new LinuxException("read", Errno.ENOENT, detail);
      }
      return files.get(file);
    }
  }

  @Override
  public List<Integer> procs(String cgroup) {
    synchronized (kernel) {
      String key = key(cgroup);
      if (!cgroups.containsKey(key)) {
        throw new LinuxException("read", Errno.ENOENT,
            "path='" + root.resolve(key).resolve("cgroup.procs") + "'");
      }
      List<Integer> pids = new ArrayList<>();
      for (Integer pid : kernel.table().keySet()) {
        if (membership.getOrDefault(pid, "").equals(key)) {
          pids.add(pid);
        }
      }
      return pids;
    }
  }

  void forget(int pid) {
    membership.remove(pid);
  }

  void addFile(String file, String defaultValue) {
    template.put(file, defaultValue);
    cgroups.values().forEach(files -> files.putIfAbsent(file, defaultValue));
  }

  private static int parsePid(String value, String detail) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new LinuxException("write", Errno.EINVAL, detail);
    }
  }

  private static String key(String cgroup) {
    String name = CgroupFs.checkName(cgroup);
    while (name.endsWith("/")) {
      name = name.substring(0, name.length() - 1);
    }
    return name.equals(".") ? "" : name;
  }

  private static String parent(String key) {
    int slash = key.lastIndexOf('/');
    return slash < 0 ? "" : key.substring(0, slash);
  }
}
