package io.corral.isolators.cgroups;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The agent flags of the {@code cgroups/*} isolators, with their defaults in one place.
 *
 * @param hierarchy {@code --cgroups_hierarchy}: where the v1 hierarchies are (or get) mounted,
 *     one directory per subsystem (default {@code /sys/fs/cgroup})
 * @param root {@code --cgroups_root}: the agent's cgroup under each hierarchy (default
 *     {@code corral}); an agent locks it, so two live agents never share one
 * @param enableCfs {@code --cgroups_enable_cfs}: CFS quota from the cpus request
 * @param maxPids {@code --cgroups_max_pids}: {@code pids.max} for containers that ask for no
 *     {@code pids} resource (0 = no limit)
 * @param netClsPrimary {@code --cgroups_net_cls_primary_handle} (null: handles are not managed)
 * @param netClsSecondaryLow lower end of {@code --cgroups_net_cls_secondary_handles}
 * @param netClsSecondaryHigh upper end (inclusive)
 * @param destroyTimeout how long cleanup retries removing a busy cgroup
 *     ({@code --cgroups_destroy_timeout})
 * @param pressureHierarchy {@code --cgroups_pressure_hierarchy}: on a host whose
 *     {@code --cgroups_hierarchy} is v1, the cgroup2 mount where each container also gets a
 *     cgroup for its pressure stall information: {@code auto} (default: the first cgroup2 mount
 *     in {@code /proc/self/mountinfo}, if any), {@code none}, or a mount point
 */
public record CgroupsConfig(
    Path hierarchy,
    String root,
    boolean enableCfs,
    long maxPids,
    Integer netClsPrimary,
    int netClsSecondaryLow,
    int netClsSecondaryHigh,
    Duration destroyTimeout,
    String pressureHierarchy) {

  public static final Path DEFAULT_HIERARCHY = Path.of("/sys/fs/cgroup");
  public static final String DEFAULT_ROOT = "corral";
  public static final String PRESSURE_AUTO = "auto";
  public static final String PRESSURE_NONE = "none";

  public CgroupsConfig {
    if (root.isEmpty() || root.startsWith("/") || root.contains("..")) {
      throw new IllegalArgumentException("Invalid --cgroups_root '" + root + "'");
    }
    if (netClsPrimary != null && (netClsPrimary < 0 || netClsPrimary > 0xffff)) {
      throw new IllegalArgumentException(
          "Invalid --cgroups_net_cls_primary_handle '" + netClsPrimary + "': not a 16-bit value");
    }
    if (netClsSecondaryLow < 1 || netClsSecondaryHigh > 0xffff
        || netClsSecondaryLow > netClsSecondaryHigh) {
      throw new IllegalArgumentException("Invalid --cgroups_net_cls_secondary_handles '"
          + hex(netClsSecondaryLow) + "," + hex(netClsSecondaryHigh) + "'");
    }
    if (!pressureHierarchy.equals(PRESSURE_AUTO) && !pressureHierarchy.equals(PRESSURE_NONE)
        && !pressureHierarchy.startsWith("/")) {
      throw new IllegalArgumentException("Invalid --cgroups_pressure_hierarchy '"
          + pressureHierarchy + "': expected 'auto', 'none' or an absolute path");
    }
  }

  /** Mesos' defaults, with Corral's root name. */
  public static CgroupsConfig defaults() {
    return new CgroupsConfig(DEFAULT_HIERARCHY, DEFAULT_ROOT, false, 0, null, 1, 0xffff,
        Duration.ofSeconds(60), PRESSURE_AUTO);
  }

  public CgroupsConfig withRoot(Path newHierarchy, String newRoot) {
    return new CgroupsConfig(newHierarchy, newRoot, enableCfs, maxPids, netClsPrimary,
        netClsSecondaryLow, netClsSecondaryHigh, destroyTimeout, pressureHierarchy);
  }

  public CgroupsConfig withNetCls(Integer primary, int low, int high) {
    return new CgroupsConfig(hierarchy, root, enableCfs, maxPids, primary, low, high,
        destroyTimeout, pressureHierarchy);
  }

  public CgroupsConfig withLimits(boolean cfs, long pids) {
    return new CgroupsConfig(hierarchy, root, cfs, pids, netClsPrimary, netClsSecondaryLow,
        netClsSecondaryHigh, destroyTimeout, pressureHierarchy);
  }

  /** This config with another {@code --cgroups_pressure_hierarchy}. */
  public CgroupsConfig withPressureHierarchy(String pressure) {
    return new CgroupsConfig(hierarchy, root, enableCfs, maxPids, netClsPrimary,
        netClsSecondaryLow, netClsSecondaryHigh, destroyTimeout, pressure);
  }

  /** A 16-bit handle written {@code 0xAAAA} or in decimal, as Mesos' flag parser takes it. */
  public static int parseHandle(String flag, String value) {
    try {
      String v = value.trim().toLowerCase(java.util.Locale.ROOT);
      int handle = v.startsWith("0x") ? Integer.parseInt(v.substring(2), 16) : Integer.parseInt(v);
      if (handle < 0 || handle > 0xffff) {
        throw new NumberFormatException("out of range");
      }
      return handle;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Failed to parse --" + flag + " '" + value + "': not a 16-bit handle", e);
    }
  }

  /** {@code 0xLLLL,0xUUUU} as {low, high}. */
  public static int[] parseRange(String value) {
    String[] parts = value.split(",");
    if (parts.length != 2) {
      throw new IllegalArgumentException("Failed to parse --cgroups_net_cls_secondary_handles '"
          + value + "': expected '0xLLLL,0xUUUU'");
    }
    return new int[] {parseHandle("cgroups_net_cls_secondary_handles", parts[0]),
        parseHandle("cgroups_net_cls_secondary_handles", parts[1])};
  }

  static String hex(int handle) {
    return String.format("0x%x", handle);
  }
}
