package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.it.support.Host.Proc;
import io.corral.proto.v1.agent.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * KILL_CONTAINER destroys the whole process tree of a container, including background children
 * and a daemonized grandchild whose parent has already exited: with a pid namespace the kernel
 * kills everything when its init dies; without one, the container's session is killed. WAIT
 * answers only once every one of those processes is gone. The same holds for a child that left
 * the session ({@code setsid}), and for a daemon still running when the command itself exits:
 * the container terminates with its command, and takes the daemon with it.
 */
@Tag("root")
class KillTreeIT {
  private static final String TREE = "sleep 1000 & sleep 1000 & (sleep 1000 &) ; wait";

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      AgentProcess.FULL_ISOLATION,
      "--isolation=filesystem/posix,posix/cpu,posix/mem"})
  void killLeavesNoProcessOfTheTree(String isolation) {
    killTree(isolation, TREE);
  }

  /** The same with one background child in a session of its own ({@code setsid}). */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      AgentProcess.FULL_ISOLATION,
      "--isolation=filesystem/posix,posix/cpu,posix/mem"})
  void killLeavesNoProcessOfTheTreeEvenInAnotherSession(String isolation) {
    killTree(isolation, "sleep 1000 & (sleep 1000 &) ; setsid sleep 1000 & wait");
  }

  private static void killTree(String isolation, String command) {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    try (AgentProcess agent = AgentProcess.start(isolation)) {
      AgentClient client = agent.client();
      assertEquals(200, client.launch("tree", command), agent.logTail());

      // The container's init, as GET_CONTAINERS (show_standalone) reports it.
      Response.GetContainers.Container listed = client.container("tree")
          .orElseThrow(() -> new AssertionError("GET_CONTAINERS does not list 'tree': " + client.containers()));
      int init = listed.getContainerStatus().getExecutorPid();
      assertTrue(init > 0, "executor_pid of 'tree': " + listed);

      // Wait until the three sleeps exist below the init (the shell starts them asynchronously).
      Eventually.await(Duration.ofSeconds(10), () -> sleepsBelow(init).size() == 3,
          () -> "three 'sleep' below init " + init + ", found " + Host.descendants(init));
      List<Proc> tree = Host.descendants(init);
      Proc initProc = Host.read(init);
      assertTrue(tree.size() >= 4, "the shell and three sleeps: " + tree);

      assertEquals(200, client.kill("tree"));
      assertEquals(9, client.waitFor("tree", Duration.ofSeconds(20)).getExitStatus(), agent.logTail());

      // WAIT answered: not one process of the tree may be left, not even as a zombie.
      List<Proc> survivors = tree.stream().filter(Proc::alive).toList();
      killAll(survivors); // a survivor has left the agent's tree: the fixture could not find it
      assertEquals(List.of(), survivors, "processes of 'tree' that outlived KILL + WAIT");
      assertTrue(initProc == null || !initProc.alive(), "the init " + init + " is gone");

      assertEquals(200, client.remove("tree"));
    }
  }

  /**
   * The command exits while a daemon it started (its own session, reparented away from the
   * shell) still runs: the container has terminated, so the daemon must be gone when WAIT answers.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      AgentProcess.FULL_ISOLATION,
      "--isolation=filesystem/posix,posix/cpu,posix/mem"})
  void exitLeavesNoDaemonBehind(String isolation) {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    try (AgentProcess agent = AgentProcess.start(isolation)) {
      AgentClient client = agent.client();
      Path sandbox = agent.sandbox("daemon");
      // The daemon writes its pid to the sandbox before the shell exits.
      assertEquals(200, client.launch("daemon",
          "setsid sh -c 'echo $$ > daemon.pid; exec sleep 1000' & "
              + "while [ ! -s daemon.pid ]; do :; done; exit 0"), agent.logTail());
      // The shell exits at once; the container must terminate when it does, daemon or not.
      assertEquals(0, client.waitFor("daemon", Duration.ofSeconds(20)).getExitStatus(), agent.logTail());

      List<Proc> left = Host.processes().values().stream()
          .filter(p -> sandbox.equals(Host.cwd(p.pid())))
          .filter(Proc::alive)
          .toList();
      killAll(left);
      assertEquals(List.of(), left, "processes of 'daemon' that outlived its termination");
      assertEquals(200, client.remove("daemon"));
    }
  }

  /** SIGKILLs these very processes (same pid and start time), so a failed test leaks nothing. */
  private static void killAll(List<Proc> procs) {
    for (Proc p : procs) {
      if (p.alive()) {
        ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  private static List<Proc> sleepsBelow(int init) {
    return Host.descendants(init).stream().filter(p -> p.comm().equals("sleep")).toList();
  }
}
