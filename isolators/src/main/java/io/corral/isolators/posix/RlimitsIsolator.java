package io.corral.isolators.posix;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.RLimit;
import io.corral.proto.v1.RLimitInfo;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code posix/rlimits} (Mesos' {@code PosixRLimitsIsolatorProcess}): {@code rlimit_info.rlimits}
 * of the ContainerInfo become {@code setrlimit(2)} calls that corral-init makes in the
 * container's init, before it switches user, so the command and all its children inherit them.
 *
 * <p>Each {@code RLMT_*} type maps to its Linux {@code RLIMIT_*} number (the generic numbering
 * of x86-64 and arm64). Soft and hard are both set, or both unset, which means unlimited
 * ({@code RLIM_INFINITY}) as in Mesos. Checked here, before launch, unlike Mesos (whose helper
 * finds them): only one of soft and hard, soft above hard, an unknown type and a type given twice.
 * What the kernel still refuses (raising a hard limit above {@code fs.nr_open}, say) fails the
 * launch at corral-init's {@code rlimit} step. Stateless; any thread.
 */
public final class RlimitsIsolator implements Isolator {
  /** {@code RLIM_INFINITY}: all 64 bits set. */
  public static final long UNLIMITED = -1L;

  private static final Map<RLimitInfo.RLimit.Type, Integer> RESOURCES =
      new EnumMap<>(RLimitInfo.RLimit.Type.class);

  static {
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_CPU, 0);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_FSIZE, 1);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_DATA, 2);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_STACK, 3);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_CORE, 4);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_RSS, 5);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_NPROC, 6);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_NOFILE, 7);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_MEMLOCK, 8);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_AS, 9);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_LOCKS, 10);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_SIGPENDING, 11);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_MSGQUEUE, 12);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_NICE, 13);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_RTPRIO, 14);
    RESOURCES.put(RLimitInfo.RLimit.Type.RLMT_RTTIME, 15);
  }

  @Override
  public String name() {
    return "posix/rlimits";
  }

  /** The Linux {@code RLIMIT_*} number of a Mesos type. */
  public static int resource(RLimitInfo.RLimit.Type type) {
    Integer resource = RESOURCES.get(type);
    if (resource == null) {
      throw new IsolatorException("Failed to prepare: Unknown rlimit type '" + type + "'");
    }
    return resource;
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    LaunchPlan.Builder plan = LaunchPlan.newBuilder();
    Set<RLimitInfo.RLimit.Type> seen = new HashSet<>();
    for (RLimitInfo.RLimit limit : container.launch().getContainer().getRlimitInfo().getRlimitsList()) {
      if (!limit.hasType()) {
        throw new IsolatorException("Failed to prepare: Unknown rlimit type (none given)");
      }
      RLimitInfo.RLimit.Type type = limit.getType();
      int resource = resource(type);
      if (!seen.add(type)) {
        throw new IsolatorException("Failed to prepare: rlimit '" + type + "' is given twice");
      }
      if (limit.hasSoft() != limit.hasHard()) {
        throw new IsolatorException("Failed to prepare: Invalid rlimit values for '" + type
            + "': soft and hard limits must both be set or both be unset");
      }
      long soft = limit.hasSoft() ? limit.getSoft() : UNLIMITED;
      long hard = limit.hasHard() ? limit.getHard() : UNLIMITED;
      if (Long.compareUnsigned(soft, hard) > 0) {
        throw new IsolatorException("Failed to prepare: Invalid rlimit values for '" + type
            + "': soft limit " + Long.toUnsignedString(soft) + " is greater than hard limit "
            + Long.toUnsignedString(hard));
      }
      plan.addRlimits(RLimit.newBuilder().setResource(resource).setSoft(soft).setHard(hard));
    }
    return plan.build();
  }
}
