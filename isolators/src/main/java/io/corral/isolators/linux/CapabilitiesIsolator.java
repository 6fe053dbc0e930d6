package io.corral.isolators.linux;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.IsolatorException;
import io.corral.proto.v1.CapabilityInfo;
import io.corral.proto.v1.CapabilityInfo.Capability;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.LinuxInfo;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code linux/capabilities} (Mesos' {@code LinuxCapabilitiesIsolatorProcess}): the command
 * runs with exactly the effective set (also its permitted, inheritable and ambient sets) and
 * the bounding set resolved here; corral-init applies them after switching user.
 *
 * <p>Resolution, as Mesos: effective = {@code linux_info.effective_capabilities} (or the
 * deprecated {@code capability_info}; both at once is refused), else the agent's
 * {@code --effective_capabilities}; bounding = {@code linux_info.bounding_capabilities}, else
 * {@code --bounding_capabilities}, else the effective set. The effective set must lie within the
 * bounding set. Nothing set anywhere leaves the user's capabilities as they are; an empty list
 * drops everything.
 *
 * <p>The agent flags are ceilings, stricter than Mesos (which lets a framework's effective set
 * exceed {@code --effective_capabilities}, hence that flag's old name
 * {@code --allowed_capabilities}): a framework's effective set must lie within
 * {@code --effective_capabilities} (else {@code --bounding_capabilities}), and its bounding set
 * within {@code --bounding_capabilities} (else {@code --effective_capabilities}); the
 * capabilities above the ceiling are named in the refusal. The flags themselves must satisfy
 * effective within bounding (Mesos' check at creation).
 *
 * <p>{@code no_new_privs} is not this isolator's: {@code linux/nnp} sets it. Stateless; any thread.
 */
public final class CapabilitiesIsolator implements Isolator {
  private final Optional<Set<Capability>> agentEffective;
  private final Optional<Set<Capability>> agentBounding;

  /**
   * @param effective {@code --effective_capabilities} (alias {@code --allowed_capabilities})
   * @param bounding {@code --bounding_capabilities}
   * @throws IllegalArgumentException when effective is not within bounding, or names UNKNOWN
   */
  public CapabilitiesIsolator(Optional<Set<Capability>> effective, Optional<Set<Capability>> bounding) {
    this.agentEffective = effective.map(s -> validated(s, "--effective_capabilities"));
    this.agentBounding = bounding.map(s -> validated(s, "--bounding_capabilities"));
    if (agentEffective.isPresent() && agentBounding.isPresent()) {
      Set<Capability> above = minus(agentEffective.get(), agentBounding.get());
      if (!above.isEmpty()) {
        throw new IllegalArgumentException("Failed to create isolator 'linux/capabilities':"
            + " Allowed capabilities are not a subset of the bounding capabilities: "
            + names(above) + " not in " + names(agentBounding.get()));
      }
    }
  }

  @Override
  public String name() {
    return "linux/capabilities";
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    LinuxInfo linux = container.launch().getContainer().getLinuxInfo();
    if (linux.hasCapabilityInfo() && linux.hasEffectiveCapabilities()) {
      throw new IsolatorException("Failed to prepare: 'linux_info.capability_info' and"
          + " 'linux_info.effective_capabilities' cannot both be set");
    }
    Optional<Set<Capability>> requestedEffective = linux.hasEffectiveCapabilities()
        ? Optional.of(requested(linux.getEffectiveCapabilities(), "effective"))
        : linux.hasCapabilityInfo()
            ? Optional.of(requested(linux.getCapabilityInfo(), "effective")) : Optional.empty();
    Optional<Set<Capability>> requestedBounding = linux.hasBoundingCapabilities()
        ? Optional.of(requested(linux.getBoundingCapabilities(), "bounding")) : Optional.empty();

    requestedEffective.ifPresent(r -> refuseAbove("effective", r, agentEffective.or(() -> agentBounding)));
    requestedBounding.ifPresent(r -> refuseAbove("bounding", r, agentBounding.or(() -> agentEffective)));

    Optional<Set<Capability>> effective = requestedEffective.or(() -> agentEffective);
    Optional<Set<Capability>> bounding = requestedBounding.or(() -> agentBounding).or(() -> effective);
    if (effective.isPresent() && bounding.isPresent()) {
      Set<Capability> above = minus(effective.get(), bounding.get());
      if (!above.isEmpty()) {
        throw new IsolatorException("Failed to prepare: effective capabilities " + names(above)
            + " are not in the bounding set " + names(bounding.get()));
      }
    }
    LaunchPlan.Builder plan = LaunchPlan.newBuilder();
    effective.ifPresent(e -> plan.setEffectiveCapabilities(mask(e)));
    bounding.ifPresent(b -> plan.setBoundingCapabilities(mask(b)));
    return plan.build();
  }

  /** The capability's Linux number: the enum value minus 1000 ({@code CHOWN=1000} is 0). */
  public static int number(Capability capability) {
    return capability.getNumber() - 1000;
  }

  /** The bit mask of a set: bit n for capability number n. */
  public static long mask(Collection<Capability> capabilities) {
    long mask = 0;
    for (Capability c : capabilities) {
      mask |= 1L << number(c);
    }
    return mask;
  }

  private static void refuseAbove(String set, Set<Capability> requested,
      Optional<Set<Capability>> ceiling) {
    if (ceiling.isEmpty()) {
      return;
    }
    Set<Capability> above = minus(requested, ceiling.get());
    if (!above.isEmpty()) {
      throw new IsolatorException("Failed to prepare: " + set + " capabilities " + names(above)
          + " are not allowed; the agent allows only " + names(ceiling.get()));
    }
  }

  private static Set<Capability> requested(CapabilityInfo info, String set) {
    return checked(info.getCapabilitiesList(), c -> new IsolatorException(
        "Failed to prepare: unknown capability in linux_info " + set + " capabilities"));
  }

  private static Set<Capability> validated(Set<Capability> flag, String name) {
    return checked(flag, c -> new IllegalArgumentException(
        "Failed to create isolator 'linux/capabilities': unknown capability in " + name));
  }

  private static <E extends RuntimeException> Set<Capability> checked(Collection<Capability> list,
      java.util.function.Function<Capability, E> unknown) {
    Set<Capability> set = EnumSet.noneOf(Capability.class);
    for (Capability c : list) {
      if (c == Capability.UNKNOWN) {
        throw unknown.apply(c);
      }
      set.add(c);
    }
    return set;
  }

  private static Set<Capability> minus(Set<Capability> a, Set<Capability> b) {
    Set<Capability> rest = EnumSet.noneOf(Capability.class);
    rest.addAll(a);
    rest.removeAll(b);
    return rest;
  }

  /** {@code 'NET_ADMIN,NET_RAW'}: sorted names in single quotes, as a Mesos message lists them. */
  static String names(Set<Capability> capabilities) {
    return "'" + String.join(",", new TreeSet<>(capabilities.stream().map(Enum::name).toList())) + "'";
  }
}
