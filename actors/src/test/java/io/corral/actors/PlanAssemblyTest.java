package io.corral.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.Environment;
import io.corral.proto.v1.LaunchPlan;
import java.nio.file.Path;
import java.util.AbstractMap.SimpleEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanAssemblyTest {
  private static final Path SANDBOX = Path.of("/w/containers/c");
  private static final Path STATUS = Path.of("/r/containers/c/status");

  @Test
  void commandWithoutShellRunsValueWithTheArguments() {
    CommandInfo command = CommandInfo.newBuilder().setShell(false).setValue("/bin/echo")
        .addArguments("echo").addArguments("hi").build();
    assertEquals(List.of("/bin/echo", "hi"), PlanAssembly.argv(command));
    assertEquals(List.of("/bin/echo"), PlanAssembly.argv(command.toBuilder().clearArguments().build()));
  }

  @Test
  void commandEnvironmentWinsOverIsolatorsAndPathIsKept() {
    CommandInfo command = CommandInfo.newBuilder().setValue("env").setEnvironment(Environment.newBuilder()
        .addVariables(Environment.Variable.newBuilder().setName("A").setValue("command"))
        .addVariables(Environment.Variable.newBuilder().setName("PATH").setValue("/opt/bin"))
        .addVariables(Environment.Variable.newBuilder().setName("S").setValue("x")
            .setType(Environment.Variable.Type.SECRET))).build();
    LaunchPlan fragment = LaunchPlan.newBuilder().addEnvironment("A=isolator").addEnvironment("B=isolator").build();
    LaunchPlan plan = PlanAssembly.assemble(List.of(new SimpleEntry<>("x", fragment)), command, SANDBOX, STATUS);
    assertEquals(List.of("MESOS_SANDBOX=/w/containers/c", "A=command", "B=isolator", "PATH=/opt/bin"),
        plan.getEnvironmentList());
    assertTrue(plan.getEnvironmentList().stream().noneMatch(e -> e.startsWith("S=")));
  }

  @Test
  void twoIsolatorsNamingAWorkingDirectoryConflict() {
    LaunchPlan wd = LaunchPlan.newBuilder().setWorkingDirectory("/x").build();
    List<Map.Entry<String, LaunchPlan>> fragments = List.of(new SimpleEntry<>("a", wd), new SimpleEntry<>("b", wd));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PlanAssembly.assemble(
        fragments, CommandInfo.newBuilder().setValue("true").build(), SANDBOX, STATUS));
    assertEquals("Multiple isolators specify working directory: 'a' and 'b'", e.getMessage());
  }
}
