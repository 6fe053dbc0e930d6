package io.corral.isolators.cgroups;

import java.util.BitSet;

/**
 * The secondary net_cls handles of one primary handle, in the inclusive range of
 * {@code --cgroups_net_cls_secondary_handles}: {@link #allocate} hands out the lowest free one.
 * Thread-safe (synchronized).
 */
final class NetClsHandles {
  private final int primary;
  private final int low;
  private final int high;
  private final BitSet used = new BitSet();

  NetClsHandles(int primary, int low, int high) {
    this.primary = primary;
    this.low = low;
    this.high = high;
  }

  synchronized int allocate() {
    int free = used.nextClearBit(low);
    if (free > high) {
      throw new IllegalStateException("No free handles remaining for primary handle "
          + CgroupsConfig.hex(primary));
    }
    used.set(free);
    return free;
  }

  /** Marks a handle a recovered container holds; refuses one outside the range or taken. */
  synchronized void reserve(int secondary) {
    if (secondary < low || secondary > high) {
      throw new IllegalStateException("Secondary handle " + CgroupsConfig.hex(secondary)
          + " is outside the range [" + CgroupsConfig.hex(low) + "," + CgroupsConfig.hex(high) + "]");
    }
    if (used.get(secondary)) {
      throw new IllegalStateException("Secondary handle " + CgroupsConfig.hex(secondary)
          + " is already in use");
    }
    used.set(secondary);
  }

  synchronized void free(int secondary) {
    used.clear(secondary);
  }

  synchronized int inUse() {
    return used.cardinality();
  }

  int primary() {
    return primary;
  }
}
