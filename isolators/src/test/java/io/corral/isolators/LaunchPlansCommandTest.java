package io.corral.isolators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.Environment;
import io.corral.proto.v1.LaunchPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LaunchPlans#command} and {@link LaunchPlans#complete}: argv, environment and user. */
class LaunchPlansCommandTest {
  private static final Map<String, String> SANDBOX = Map.of("MESOS_SANDBOX", "/sb");
  private static final String PATH = "PATH=" + LaunchPlans.DEFAULT_PATH;
  private UserDatabase users;

  @BeforeEach
  void users(@TempDir Path dir) throws IOException {
    users = new UserDatabase(
        Files.writeString(dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\n"
            + "# a comment\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
            + "broken line\nalice:x:1000:1000::/home/alice:/bin/sh\n"),
        Files.writeString(dir.resolve("group"), "root:x:0:\nadm:x:4:syslog,alice\n"
            + "alice:x:1000:\nstaff:x:50:bob,alice\n"));
  }

  private static Environment.Variable var(String name, String value) {
    return Environment.Variable.newBuilder().setName(name).setValue(value).build();
  }

  @Test
  void shellIsTheDefault() {
    LaunchPlan plan = LaunchPlans.command(CommandInfo.newBuilder().setValue("echo $HOME; exit 3")
        .addArguments("ignored").build(), SANDBOX, users);
    assertEquals(List.of("/bin/sh", "-c", "echo $HOME; exit 3"), plan.getArgvList());
    assertEquals(List.of("MESOS_SANDBOX=/sb", PATH), plan.getEnvironmentList());
  }

  @Test
  void withoutShellValueIsExecutedWithTheArgumentsAfterArgv0() {
    assertEquals(List.of("/bin/echo", "a b", "c"), LaunchPlans.command(CommandInfo.newBuilder()
        .setShell(false).setValue("/bin/echo").addArguments("echo").addArguments("a b")
        .addArguments("c").build(), SANDBOX, users).getArgvList());
    assertEquals(List.of("true"), LaunchPlans.command(CommandInfo.newBuilder()
        .setShell(false).setValue("true").build(), SANDBOX, users).getArgvList());
  }

  @Test
  void valueIsRequired() {
    for (CommandInfo command : List.of(CommandInfo.getDefaultInstance(),
        CommandInfo.newBuilder().setShell(false).addArguments("ls").build())) {
      assertEquals("Failed to prepare: command has no 'value'", assertThrows(
          IsolatorException.class, () -> LaunchPlans.command(command, SANDBOX, users)).getMessage());
    }
  }

  @Test
  void commandEnvironmentOverridesIsolatorsAndPathDefaultsOnlyWhenUnset() {
    Map<String, String> isolatorEnv = new LinkedHashMap<>(SANDBOX);
    isolatorEnv.put("A", "from-isolator");
    CommandInfo command = CommandInfo.newBuilder().setValue("env")
        .setEnvironment(Environment.newBuilder().addVariables(var("A", "from-command"))
            .addVariables(var("PATH", "/opt/bin")).addVariables(var("EMPTY", "")))
        .build();
    assertEquals(List.of("MESOS_SANDBOX=/sb", "A=from-command", "PATH=/opt/bin", "EMPTY="),
        LaunchPlans.command(command, isolatorEnv, users).getEnvironmentList());
  }

  @Test
  void theAgentsEnvironmentIsNeverInherited() {
    List<String> env = LaunchPlans.command(CommandInfo.newBuilder().setValue("env").build(),
        Map.of(), users).getEnvironmentList();
    assertEquals(List.of(PATH), env);
  }

  @Test
  void secretAndValuelessVariablesAreRefused() {
    CommandInfo secret = CommandInfo.newBuilder().setValue("env").setEnvironment(
        Environment.newBuilder().addVariables(Environment.Variable.newBuilder().setName("TOKEN")
            .setType(Environment.Variable.Type.SECRET))).build();
    assertEquals("Failed to prepare: environment variable 'TOKEN' is of type 'SECRET', which is"
            + " not supported (no 'environment_secret' isolator)",
        assertThrows(IsolatorException.class, () -> LaunchPlans.command(secret, SANDBOX, users))
            .getMessage());
    CommandInfo valueless = CommandInfo.newBuilder().setValue("env").setEnvironment(
        Environment.newBuilder().addVariables(Environment.Variable.newBuilder().setName("X"))).build();
    assertEquals("Failed to prepare: environment variable 'X' of type 'VALUE' must have a value set",
        assertThrows(IsolatorException.class, () -> LaunchPlans.command(valueless, SANDBOX, users))
            .getMessage());
    CommandInfo badName = CommandInfo.newBuilder().setValue("env").setEnvironment(
        Environment.newBuilder().addVariables(var("A=B", "1"))).build();
    assertEquals("Failed to prepare: invalid environment variable name 'A=B'",
        assertThrows(IsolatorException.class, () -> LaunchPlans.command(badName, SANDBOX, users))
            .getMessage());
  }

  @Test
  void userResolvesToUidGidAndGroups() {
    LaunchPlan plan = LaunchPlans.command(
        CommandInfo.newBuilder().setValue("id").setUser("alice").build(), SANDBOX, users);
    assertEquals(1000, plan.getUid());
    assertEquals(1000, plan.getGid());
    assertEquals(List.of(1000, 4, 50), plan.getSupplementaryGroupsList());
    assertEquals("Failed to find user 'mallory'", assertThrows(IsolatorException.class,
        () -> LaunchPlans.command(CommandInfo.newBuilder().setValue("id").setUser("mallory")
            .build(), SANDBOX, users)).getMessage());
  }

  @Test
  void completeReplacesTheEnvironmentAndAddsTheCommand() {
    LaunchPlan merged = LaunchPlan.newBuilder().setWorkingDirectory("/sb")
        .addEnvironment("MESOS_SANDBOX=/sb").addEnvironment("A=1").addEnvironment("A=2").build();
    LaunchPlan plan = LaunchPlans.complete(merged, CommandInfo.newBuilder().setValue("true")
        .setEnvironment(Environment.newBuilder().addVariables(var("B", "3"))).build(), users);
    assertEquals(LaunchPlan.newBuilder().setWorkingDirectory("/sb")
        .addEnvironment("MESOS_SANDBOX=/sb").addEnvironment("A=2").addEnvironment("B=3")
        .addEnvironment(PATH)
        .addArgv("/bin/sh").addArgv("-c").addArgv("true").build(), plan);
  }
}
