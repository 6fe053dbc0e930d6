package io.corral.isolators.linux;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.proto.v1.LaunchPlan;

/**
 * {@code linux/nnp} (Mesos' {@code LinuxNNPIsolatorProcess}): every container's command runs
 * with {@code no_new_privs} set (corral-init calls {@code prctl(PR_SET_NO_NEW_PRIVS)} last,
 * just before exec), so neither setuid/setgid binaries nor file capabilities can raise its
 * privileges. Kept apart from {@code linux/capabilities}, as in Mesos: an operator chooses it
 * with {@code --isolation}. Stateless; any thread.
 */
public final class NoNewPrivilegesIsolator implements Isolator {

  @Override
  public String name() {
    return "linux/nnp";
  }

  @Override
  public LaunchPlan prepare(ContainerContext container) {
    return LaunchPlan.newBuilder().setNoNewPrivileges(true).build();
  }
}
