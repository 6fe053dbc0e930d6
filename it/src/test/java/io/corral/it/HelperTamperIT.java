package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Host;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container on the host's root file system, as uid 0 with every capability and no pid
 * namespace, tries to replace what the agent executes as root (the CVE-2019-5736 class): it
 * overwrites every file under the agent's runtime and work directories with a script of its own,
 * plants that script where a file copy of {@code corral-init} would live, and writes, truncates
 * and chmods the agent's sealed in-memory copy through {@code /proc/<agent>/fd}. The next launch
 * still runs the genuine helper: its executable's SHA-256 is the jar's, and the script never ran.
 */
@Tag("root")
class HelperTamperIT {
  @TempDir Path outside;
  private AgentProcess agent;
  private AgentClient client;

  @BeforeEach
  void startAgent() {
    assumeTrue(Host.isRoot(), "needs root: the attacker is a root container on the host's file system");
    agent = AgentProcess.start("--isolation=posix/cpu");
    client = agent.client();
  }

  @AfterEach
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void aRootContainerCannotChangeWhatTheNextLaunchExecutes() throws Exception {
    Path marker = outside.resolve("pwned");
    Path report = outside.resolve("report");
    assertEquals(200, client.launch("warm", "true"), agent.logTail());
    assertEquals(0, client.waitFor("warm").getExitStatus(), agent.logTail());

    assertEquals(200, client.launch("attacker", attack(marker, report)), agent.logTail());
    client.waitFor("attacker"); // its exit status is whatever it left in its own status file
    List<String> attempts = Files.readAllLines(report);
    assertTrue(attempts.stream().filter(l -> l.startsWith("overwrote ")).count() >= 3,
        "the attacker reached the agent's files: " + attempts);
    assertTrue(attempts.contains("memfd write refused"), attempts.toString());
    assertTrue(attempts.contains("memfd truncate refused"), attempts.toString());
    assertFalse(attempts.stream().anyMatch(l -> l.matches("memfd (written|truncated)")), attempts.toString());
    if (kernelAtLeast(6, 3)) { // F_SEAL_EXEC: its execute bits cannot be taken away either
      assertTrue(attempts.contains("memfd chmod refused"), attempts.toString());
    }

    // The command's parent is the init: its executable is what the agent ran.
    assertEquals(200, client.launch("next", "sha256sum /proc/$PPID/exe | cut -d' ' -f1"), agent.logTail());
    assertEquals(0, client.waitFor("next").getExitStatus(), agent.logTail());
    assertEquals(List.of(genuineSha256()), Files.readAllLines(agent.sandbox("next").resolve("stdout")));
    assertFalse(Files.exists(marker), "the planted script ran as root");
  }

  /** The attacker's shell command; it reports each attempt to {@code report}, outside the agent's dirs. */
  private String attack(Path marker, Path report) {
    String payload = "#!/bin/sh\\ntouch " + marker + "\\n";
    String runtime = agent.runtimeDir().toString();
    String work = agent.workDir().toString();
    return String.join("\n",
        "exec >>" + report + " 2>/dev/null",
        "mkdir -p " + runtime + "/bin/0123456789abcdef",
        "touch " + runtime + "/bin/0123456789abcdef/corral-init",
        "for f in $(find " + runtime + " " + work + " -type f); do",
        "  printf '" + payload + "' > \"$f\" && chmod 755 \"$f\" && echo \"overwrote $f\"",
        "done",
        "for fd in /proc/" + agent.pid() + "/fd/*; do",
        "  case $(readlink \"$fd\") in /memfd:corral-init*)",
        "    if printf x 1<>\"$fd\"; then echo 'memfd written'; else echo 'memfd write refused'; fi",
        "    if truncate -s 0 \"$fd\"; then echo 'memfd truncated'; else echo 'memfd truncate refused'; fi",
        "    if chmod 644 \"$fd\"; then echo 'memfd chmod done'; else echo 'memfd chmod refused'; fi",
        "  esac",
        "done",
        "true");
  }

  private static String genuineSha256() throws Exception {
    try (InputStream in = io.corral.posix.launch.CorralInit.class.getResourceAsStream("corral-init")) {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
    }
  }

  private static boolean kernelAtLeast(int major, int minor) {
    String[] v = System.getProperty("os.version").split("[.-]");
    return Integer.parseInt(v[0]) * 1000 + Integer.parseInt(v[1]) >= major * 1000 + minor;
  }
}
