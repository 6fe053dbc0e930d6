package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Agents;
import io.corral.it.support.CniFixture;
import io.corral.it.support.Commands;
import io.corral.it.support.Eventually;
import io.corral.it.support.Host;
import io.corral.it.support.Leaks;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code network/cni} under bad input, faults, load and agent crashes, with Debian's real
 * plugins and test plugin scripts: each fault is a clear error, leaves no veth, namespace
 * mount, IPAM lease or iptables rule, and the agent stays up; 50 launches and removals leave
 * nothing; an agent SIGKILLed with networked containers recovers them with their addresses and
 * releases the ones that ended meanwhile.
 */
@Tag("root")
class CniFaultsIT {
  private static final String CGROUPS_ROOT = "corral-it-cni-" + ProcessHandle.current().pid();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static CniFixture cni;
  /** One agent for the tests that do not restart it. */
  private static AgentProcess shared;
  private Agents agents;

  @BeforeAll
  static void networks() {
    assumeTrue(Host.isRoot(), "needs root: network namespaces, bridges and CNI plugins");
    assumeTrue(CniFixture.available(), "needs Debian's containernetworking-plugins in /usr/lib/cni");
    cni = new CniFixture();
    cni.config("10-cnit-c.conflist", list("cnit-c", cni.bridgePlugin("cni-tc", 13, "cnit-c")));
    cni.script("cnit-fail", "case \"$CNI_COMMAND\" in ADD) echo '{\"code\":7,\"msg\":\"cnit says no\"}';"
        + " echo 'cnit-fail stderr' >&2; exit 1;; esac; exit 0");
    cni.script("cnit-hang", "case \"$CNI_COMMAND\" in ADD) exec sleep 600;; esac; exit 0");
    cni.script("cnit-garbage", "case \"$CNI_COMMAND\" in ADD) echo 'garbage{';; esac; exit 0");
    cni.script("cnit-delonce", "case \"$CNI_COMMAND\" in ADD) echo '{\"cniVersion\":\"1.0.0\"}';;"
        + " DEL) if [ ! -e \"$0.failed\" ]; then touch \"$0.failed\"; echo '{\"code\":11,\"msg\":\"try again\"}'; exit 1; fi;;"
        + " esac; exit 0");
    for (String fault : List.of("fail", "hang", "garbage")) {
      cni.config("20-cnit-" + fault + ".conflist", list("cnit-" + fault,
          cni.bridgePlugin("cni-tf", 14, "cnit-" + fault) + ",{\"type\":\"cnit-" + fault + "\"}"));
    }
    cni.config("30-cnit-delonce.conflist", list("cnit-delonce",
        "{\"type\":\"cnit-delonce\"}," + cni.bridgePlugin("cni-td", 15, "cnit-delonce")));
    cni.script("cnit-delfail", "if [ \"$CNI_COMMAND\" = DEL ] && [ -e \"$0.fail\" ]; then"
        + " echo '{\"code\":11,\"msg\":\"cnit-delfail refuses DEL\"}'; exit 1; fi; exec " + CniFixture.PLUGINS.resolve("bridge"));
    cni.config("35-cnit-delfail.conflist", list("cnit-delfail",
        cni.bridgePlugin("cni-tx", 16, "cnit-delfail").replace("\"type\":\"bridge\"", "\"type\":\"cnit-delfail\"")));
    cni.config("40-bad.conf", "{\"cniVersion\":\"1.0.0\",\"name\":\"cnit-bad\",");
    cni.config("50-missing.conf", "{\"cniVersion\":\"1.0.0\",\"name\":\"cnit-missing\",\"type\":\"cnit-nonexistent\"}");
  }

  private static String list(String name, String plugins) {
    return "{\"cniVersion\":\"1.0.0\",\"name\":\"" + name + "\",\"plugins\":[" + plugins + "]}";
  }

  @AfterAll
  static void removeNetworks() {
    if (shared != null) {
      shared.close();
    }
    if (cni != null) {
      cni.close();
    }
  }

  @AfterEach
  void stopAgents() {
    Commands.run("rm", "-f", cni.scriptDir().resolve("cnit-delfail.fail").toString());
    if (agents != null) {
      agents.close();
    }
  }

  private static AgentProcess shared() {
    if (shared == null) {
      shared = AgentProcess.start(cni.flags(CniNetworkIT.ISOLATION));
    }
    return shared;
  }

  private AgentProcess start() {
    agents = new Agents(CGROUPS_ROOT, cni.flags(CniNetworkIT.ISOLATION.replace("posix/cpu,posix/mem",
        "cgroups/cpu,cgroups/mem"), "--cgroups_root=" + CGROUPS_ROOT));
    return agents.start();
  }

  /** Nothing of the container's networks is left: state, namespace mount, veth, lease. */
  private static void assertReleased(AgentProcess agent, String id, String network, String bridge) {
    Path state = agent.runtimeDir().resolve("isolators/network/cni").resolve(id);
    assertFalse(Files.exists(state), "the CNI state of '" + id + "' is removed");
    assertTrue(Host.mounts().stream().noneMatch(m -> m.contains("isolators/network/cni/" + id + "/")),
        "no namespace mount left");
    assertEquals(java.util.Set.of(), CniFixture.veths(bridge), "no veth left on " + bridge);
    assertEquals(java.util.Set.of(), cni.leaseFiles(network), "no lease left on " + network);
    assertTrue(agent.client().healthy(), "the agent is up");
  }

  private static HttpResponse<String> launch(AgentProcess agent, String id, String command, String network) {
    return agent.client().postJson(CniNetworkIT.launch(id, command, "{\"name\":\"" + network + "\"}"));
  }

  @Test
  void badNetworksAreRefusedAtLaunchNamingThemAndCreateNothing() {
    AgentProcess agent = shared();
    for (String[] c : new String[][] {
        {"cnit-nowhere", "unknown CNI network 'cnit-nowhere'"},
        {"cnit-bad", "skipped '40-bad.conf': invalid JSON"},
        {"cnit-missing", "skipped '50-missing.conf': the plugin 'cnit-nonexistent' is not in the plugins path"}}) {
      HttpResponse<String> refused = launch(agent, "refused", "true", c[0]);
      assertEquals(400, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains(c[1]) && refused.body().contains("'" + c[0] + "'"), refused.body());
      assertFalse(Files.exists(agent.sandbox("refused")), "nothing is created for a refused launch");
    }
    HttpResponse<String> twice = agent.client().postJson(CniNetworkIT.launch("twice", "true",
        "{\"name\":\"cnit-c\"},{\"name\":\"cnit-c\"}"));
    assertEquals(400, twice.statusCode(), twice.body());
    assertTrue(twice.body().contains("joins CNI network 'cnit-c' more than once"), twice.body());
    String longId = "l".repeat(65);
    HttpResponse<String> tooLong = launch(agent, longId, "true", "cnit-c");
    assertEquals(400, tooLong.statusCode(), tooLong.body());
    assertTrue(tooLong.body().contains("Failed to launch container '" + longId + "': its id ('container_id', 65"
        + " characters) is its hostname on CNI networks and is longer than 64 characters: set 'container.hostname'"),
        tooLong.body());
    assertFalse(Files.exists(agent.sandbox(longId)), "nothing is created for a refused launch");
    assertFalse(Files.exists(agent.runtimeDir().resolve("isolators/network/cni").resolve(longId)), "no CNI state");
  }

  @Test
  void aPluginThatFailsHangsOrPrintsGarbageFailsTheLaunchAndLeavesNothing() {
    AgentProcess agent = shared();
    String[][] cases = {
        {"cnit-fail", "the plugin 'cnit-fail' failed (exit code 1): cnit says no [code 7]; stderr='cnit-fail stderr'"},
        {"cnit-hang", "the plugin 'cnit-hang' did not finish within 3000ms and was killed"},
        {"cnit-garbage", "the plugin 'cnit-garbage' printed a malformed result 'garbage{'"}};
    for (String[] c : cases) {
      String id = c[0].replace("cnit-", "fault-");
      HttpResponse<String> failed = launch(agent, id, "sleep 1000", c[0]);
      assertFalse(failed.statusCode() == 200, failed.body());
      assertTrue(failed.body().contains("Failed to attach container '" + id + "' to CNI network '" + c[0] + "'")
          && failed.body().contains(c[1]), failed.body() + agent.logTail());
      assertReleased(agent, id, c[0], "cni-tf");
    }
  }

  @Test
  void aDelThatFailsOnceIsRetried() {
    AgentProcess agent = shared();
    assertEquals(200, launch(agent, "delonce", "sleep 1000", "cnit-delonce").statusCode(), agent.logTail());
    assertEquals(1, cni.leaseFiles("cnit-delonce").size());
    assertEquals(200, agent.client().kill("delonce"));
    agent.client().waitFor("delonce", TIMEOUT);
    assertEquals(200, agent.client().remove("delonce"), agent.logTail());
    assertTrue(Files.exists(cni.scriptDir().resolve("cnit-delonce.failed")), "the first DEL failed");
    assertTrue(agent.logTail().contains("Attempt 1 of 3: Failed to detach container 'delonce' from CNI network"
        + " 'cnit-delonce': the plugin 'cnit-delonce' failed (exit code 1): try again"), agent.logTail());
    assertReleased(agent, "delonce", "cnit-delonce", "cni-td");
  }

  @Test
  void aDelThatKeepsFailingIsReportedKeptAndRetriedAtTheNextCleanupAndAtRecovery() {
    AgentProcess first = start();
    assertEquals(200, launch(first, "bystander", "sleep 1000", "cnit-c").statusCode(), first.logTail());
    int bystander = agents.initPid(first.client(), "bystander");
    failDel(first, "delfail-a");
    assertEquals(1.0, snapshot(first).get("containerizer/mesos/container_destroy_errors").getAsDouble());
    assertEquals(200, first.client().remove("delfail-a"), first.logTail());
    assertKept(first, "delfail-a");

    Path marker = cni.scriptDir().resolve("cnit-delfail.fail");
    Commands.run("rm", "-f", marker.toString());
    assertEquals(200, first.client().launch("trigger", "true"), first.logTail());
    first.client().waitFor("trigger", TIMEOUT);
    assertEquals(200, first.client().remove("trigger"), first.logTail());
    assertTrue(first.logTail().contains("Released the CNI networks of container [delfail-a] on a later attempt"),
        first.logTail());
    assertReleased(first, "delfail-a", "cnit-delfail", "cni-tx");

    failDel(first, "delfail-b");
    first.sigkill();
    Commands.run("rm", "-f", marker.toString());
    AgentProcess second = agents.restart(first);
    assertTrue(second.logTail().contains("Cleaning up the CNI networks of the orphan container [delfail-b]"),
        second.logTail());
    assertEquals(1, cni.leaseFiles("cnit-c").size(), "the bystander keeps its lease");
    assertTrue(Leaks.running(bystander), "the other container keeps running");
    assertEquals(200, second.client().remove("delfail-b"), second.logTail());
    assertEquals(Set.of(), cni.leaseFiles("cnit-delfail"), "the lease is released at recovery");
    assertEquals(Set.of(), CniFixture.veths("cni-tx"), "the veth is gone");
    assertEquals(200, second.client().kill("bystander"));
    second.client().waitFor("bystander", TIMEOUT);
    assertEquals(200, second.client().remove("bystander"), second.logTail());
    assertReleased(second, "delfail-b", "cnit-delfail", "cni-tx");
  }

  /** Launches {@code id} on cnit-delfail and destroys it while its DEL fails: reported, kept, agent up. */
  private void failDel(AgentProcess agent, String id) {
    assertEquals(200, launch(agent, id, "sleep 1000", "cnit-delfail").statusCode(), agent.logTail());
    Commands.run("touch", cni.scriptDir().resolve("cnit-delfail.fail").toString());
    assertEquals(200, agent.client().kill(id));
    String message = agent.client().waitFor(id, TIMEOUT).getMessage();
    assertTrue(message.contains("Failed to clean up an isolator when destroying container: ")
        && message.contains("Failed to detach container '" + id + "' from CNI network 'cnit-delfail': the plugin"
        + " 'cnit-delfail' failed (exit code 1): cnit-delfail refuses DEL [code 11]")
        && message.contains("(tried 3 times; kept for another attempt)"), message + agent.logTail());
    assertKept(agent, id);
    assertTrue(agent.client().healthy(), "the agent is up");
    assertTrue(agent.client().container("bystander").isPresent(), "the other container is still there");
  }

  /** The container's namespace mount, state and lease are kept for a later DEL. */
  private static void assertKept(AgentProcess agent, String id) {
    Path state = agent.runtimeDir().resolve("isolators/network/cni").resolve(id);
    assertTrue(Files.isDirectory(state), "the CNI state of '" + id + "' is kept");
    assertTrue(Host.mounts().stream().anyMatch(m -> m.contains(state.resolve("ns").toString())),
        "the namespace mount is kept");
    assertEquals(1, cni.leaseFiles("cnit-delfail").size(), "the lease is kept");
  }

  private static JsonObject snapshot(AgentProcess agent) {
    HttpResponse<String> r = agent.client().request("GET", "/metrics/snapshot");
    assertEquals(200, r.statusCode(), r.body());
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  @Test
  void fiftyLaunchesAndRemovalsLeaveNothing() {
    AgentProcess agent = shared();
    AgentClient client = agent.client();
    for (int i = 0; i < 50; i++) {
      String id = "many-" + i;
      assertEquals(200, launch(agent, id, "true", "cnit-c").statusCode(), agent.logTail());
      assertEquals(0, client.waitFor(id, TIMEOUT).getExitStatus(), agent.logTail());
      assertEquals(200, client.remove(id), agent.logTail());
    }
    for (int i = 0; i < 50; i += 7) {
      assertReleased(agent, "many-" + i, "cnit-c", "cni-tc");
    }
    assertEquals(List.of(), cni.newRules("nat"), "no iptables rule left");
  }

  @Test
  void aSigkilledAgentRecoversItsNetworkedContainersAndReleasesTheGoneOnes() {
    AgentProcess first = start();
    assertEquals(200, launch(first, "kept", "sleep 1000", "cnit-c").statusCode(), first.logTail());
    assertEquals(200, launch(first, "gone", "sleep 1000", "cnit-c").statusCode(), first.logTail());
    String kept = CniNetworkIT.ip(first, "kept");
    int keptInit = agents.initPid(first.client(), "kept");
    int goneInit = agents.initPid(first.client(), "gone");
    first.sigkill();
    ProcessHandle.of(goneInit).ifPresent(ProcessHandle::destroyForcibly);
    Eventually.await(TIMEOUT, () -> !Leaks.running(goneInit), "the container's init to exit while no agent runs");

    AgentProcess second = agents.restart(first);
    assertEquals(kept, CniNetworkIT.ip(second, "kept"), "the re-adopted container keeps its address");
    assertTrue(Leaks.running(keptInit));
    assertTrue(second.logTail().contains("Container [kept] is still on CNI network 'cnit-c' (CHECK passed)"),
        second.logTail());
    assertEquals(9, second.client().waitFor("gone", TIMEOUT).getExitStatus(), second.logTail());
    assertEquals(200, second.client().remove("gone"), second.logTail());
    assertEquals(1, cni.leaseFiles("cnit-c").size(), "only the kept container's lease is left");
    assertEquals(1, CniFixture.veths("cni-tc").size(), "only the kept container's veth is left");
    assertEquals(200, second.client().kill("kept"));
    second.client().waitFor("kept", TIMEOUT);
    assertEquals(200, second.client().remove("kept"), second.logTail());
    assertReleased(second, "kept", "cnit-c", "cni-tc");
  }
}
