package io.corral.it.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

/**
 * The agents one test starts on a cgroup root, with the same flags each time, and the container
 * pids it learns of; {@link #close} (the test's {@code @AfterEach}) kills those pids, closes the
 * agents newest first and removes the whole cgroup root, so a failed test leaks nothing. Used
 * from the test thread only.
 */
public final class Agents implements AutoCloseable {
  private final String cgroupsRoot;
  private final String[] flags;
  private final List<AgentProcess> agents = new ArrayList<>();
  private final List<Integer> pids = new ArrayList<>();

  /** {@code flags} should include {@code --cgroups_root=<cgroupsRoot>}. */
  public Agents(String cgroupsRoot, String... flags) {
    this.cgroupsRoot = cgroupsRoot;
    this.flags = flags.clone();
  }

  /** A new agent with the flags. */
  public AgentProcess start() {
    return track(AgentProcess.start(flags));
  }

  /** A new agent on {@code previous}'s directories and port, with the flags. */
  public AgentProcess restart(AgentProcess previous) {
    return track(previous.restart(flags));
  }

  /** Like {@link #restart}, returning while the new agent still recovers. */
  public AgentProcess restartRecovering(AgentProcess previous) {
    return track(previous.restartRecovering(flags));
  }

  /** An agent started otherwise (other flags), closed with the rest. */
  public AgentProcess track(AgentProcess agent) {
    agents.add(agent);
    return agent;
  }

  /** The container's init pid (its {@code executor_pid}), killed at {@link #close} if still there. */
  public int initPid(AgentClient client, String id) {
    int pid = client.container(id).orElseThrow().getContainerStatus().getExecutorPid();
    assertTrue(pid > 0, "executor_pid of '" + id + "'");
    pids.add(pid);
    return pid;
  }

  /** The pids killed at {@link #close}; a test adds its own and checks them for leaks. */
  public List<Integer> pids() {
    return pids;
  }

  @Override
  public void close() {
    pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    for (int i = agents.size() - 1; i >= 0; i--) {
      agents.get(i).close();
    }
    AgentProcess.removeCgroupsRoot(cgroupsRoot);
  }
}
