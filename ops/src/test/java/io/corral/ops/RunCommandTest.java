package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.ContainerTermination;
import io.corral.proto.v1.Image;
import io.corral.proto.v1.Resource;
import io.corral.proto.v1.agent.Call;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RunCommandTest {

  private static RunCommand parseRun(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "run";
    System.arraycopy(args, 0, all, 1, args.length);
    return (RunCommand) Main.commandLine().parseArgs(all).subcommand().commandSpec().userObject();
  }

  @Test
  void buildsANonShellCommandWithTheWholeArgv() {
    Call.LaunchContainer launch =
        parseRun("--isolation=posix/cpu", "--", "sh", "-c", "ps -o pid,comm; exit 3").launchRequest();
    assertTrue(launch.getContainerId().getValue().matches("run-[0-9a-f-]{36}"), launch.getContainerId().getValue());
    assertFalse(launch.getCommand().getShell());
    assertEquals("sh", launch.getCommand().getValue());
    assertEquals(List.of("sh", "-c", "ps -o pid,comm; exit 3"), launch.getCommand().getArgumentsList());
    assertEquals(0, launch.getResourcesCount());
    assertFalse(launch.hasContainer());
  }

  @Test
  void theCommandStartsAtTheFirstPositionalEvenWithoutDoubleDash() {
    RunCommand run = parseRun("--container_id=c1", "sh", "-c", "--isolation=x");
    Call.LaunchContainer launch = run.launchRequest();
    assertEquals("c1", launch.getContainerId().getValue());
    assertEquals(List.of("sh", "-c", "--isolation=x"), launch.getCommand().getArgumentsList());
  }

  @Test
  void cpusAndMemBecomeScalarResources() {
    Call.LaunchContainer launch = parseRun("--cpus=0.5", "--mem", "64", "--", "true").launchRequest();
    assertEquals(2, launch.getResourcesCount());
    Resource cpus = launch.getResources(0);
    assertEquals("cpus", cpus.getName());
    assertEquals(0.5, cpus.getScalar().getValue());
    Resource mem = launch.getResources(1);
    assertEquals("mem", mem.getName());
    assertEquals(64.0, mem.getScalar().getValue());
  }

  @Test
  void anImageWithoutACommandLeavesTheValueToTheImage() {
    Call.LaunchContainer launch = parseRun("--image=busybox:1.36").launchRequest();
    assertFalse(launch.getCommand().getShell());
    assertFalse(launch.getCommand().hasValue(), "docker/runtime runs the image's Entrypoint and Cmd");
    assertEquals(0, launch.getCommand().getArgumentsCount());
    assertEquals(ContainerInfo.Type.MESOS, launch.getContainer().getType());
    Image image = launch.getContainer().getMesos().getImage();
    assertEquals(Image.Type.DOCKER, image.getType());
    assertEquals("busybox:1.36", image.getDocker().getName());
  }

  @Test
  void anImageWithACommandRunsItWithoutAShell() {
    Call.LaunchContainer launch = parseRun("--image=busybox", "--", "/bin/echo", "hi").launchRequest();
    assertFalse(launch.getCommand().getShell());
    assertEquals("/bin/echo", launch.getCommand().getValue());
    assertEquals(List.of("/bin/echo", "hi"), launch.getCommand().getArgumentsList());
    assertEquals("busybox", launch.getContainer().getMesos().getImage().getDocker().getName());
  }

  @Test
  void aCommandIsRequired() {
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err));
    assertEquals(1, cli.execute("run", "--isolation=posix/cpu"));
    assertTrue(err.toString().contains("Missing required parameter: 'CMD'"), err.toString());
  }

  @Test
  void exitStatusIsWhatAShellReports() {
    assertEquals(3, ForegroundRun.exitStatus(ContainerTermination.newBuilder().setStatus(3 << 8).build()));
    assertEquals(0, ForegroundRun.exitStatus(ContainerTermination.newBuilder().setStatus(0).build()));
    assertEquals(255, ForegroundRun.exitStatus(ContainerTermination.newBuilder().setStatus(255 << 8).build()));
    assertEquals(137, ForegroundRun.exitStatus(ContainerTermination.newBuilder().setStatus(9).build()));
    assertEquals(143, ForegroundRun.exitStatus(ContainerTermination.newBuilder().setStatus(15).build()));
    assertEquals(139, ForegroundRun.exitStatus(ContainerTermination.newBuilder().setStatus(11 | 0x80).build()),
        "a core dump flag does not change the signal");
    assertEquals(1, ForegroundRun.exitStatus(ContainerTermination.newBuilder().setMessage("no status").build()));
  }
}
