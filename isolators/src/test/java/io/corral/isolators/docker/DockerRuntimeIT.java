package io.corral.isolators.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ImageLaunches;
import io.corral.isolators.RealLaunches;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.Environment;
import io.corral.proto.v1.ImageConfig;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * docker/runtime's plan actually run in a busybox rootfs, as root: the argv of the table, the
 * image's Env under the CommandInfo's, its WorkingDir (created) and its User.
 */
@Tag("root")
class DockerRuntimeIT {
  private static final String REPORT = "echo argv=$0 $*; echo pwd=$(pwd); echo a=$A b=$B;"
      + " echo id=$(id -u):$(id -g):$(id -G | tr ' ' ,)";

  private ImageLaunches launches;

  @BeforeEach
  void setUp() throws Exception {
    launches = new ImageLaunches("docker-runtime");
  }

  private static ImageConfig.Builder image() {
    return ImageConfig.newBuilder().addAllEntrypoint(List.of("/bin/sh", "-c", REPORT, "zero"))
        .addCmd("from-cmd").addAllEnv(List.of("PATH=/bin", "A=image", "B=image", "NOEQUALS"))
        .setWorkingDir("/app/work").setUser("user");
  }

  @Test
  void theEntrypointRunsWithTheUsersArgumentsEnvWorkingDirAndUser() throws Exception {
    CommandInfo command = CommandInfo.newBuilder().setShell(false).addArguments("one")
        .addArguments("two").setEnvironment(Environment.newBuilder().addVariables(
            Environment.Variable.newBuilder().setName("B").setValue("command")))
        .build();
    RealLaunches.Result result = launches.run(command, image().build(), ImageLaunches.MESOS);
    Map<String, String> v = ImageLaunches.values(result);
    assertEquals("zero one two", v.get("argv"));
    assertEquals("/app/work", v.get("pwd"));
    assertEquals("image b=command", v.get("a"));
    assertEquals("1000:1000:1000,2000", v.get("id"));
    assertTrue(Files.isDirectory(launches.rootfs().resolve("app/work")), "created in the rootfs");
  }

  @Test
  void withoutArgumentsTheCmdFollowsAndTheCommandsUserWins() throws Exception {
    CommandInfo command = CommandInfo.newBuilder().setShell(false).setUser("nobody").build();
    RealLaunches.Result result = launches.run(command,
        image().clearWorkingDir().build(), ImageLaunches.MESOS);
    Map<String, String> v = ImageLaunches.values(result);
    assertEquals("zero from-cmd", v.get("argv"));
    assertEquals("/mnt/mesos/sandbox", v.get("pwd"), "no WorkingDir: the sandbox");
    assertEquals("65534:65534:65534", v.get("id"), "looked up in the image's /etc/passwd");
  }

  @Test
  void aShellCommandIgnoresTheEntrypoint() throws Exception {
    CommandInfo command = CommandInfo.newBuilder().setValue("echo argv=$0; echo a=$A").build();
    Map<String, String> v = ImageLaunches.values(
        launches.run(command, image().build(), ImageLaunches.MESOS));
    assertEquals("/bin/sh", v.get("argv"));
    assertEquals("image", v.get("a"));
  }
}
