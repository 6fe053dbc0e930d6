package io.corral.isolators.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Contexts;
import io.corral.isolators.IsolatorException;
import io.corral.isolators.LaunchPlans;
import io.corral.isolators.UserDatabase;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.Environment;
import io.corral.proto.v1.ImageConfig;
import io.corral.proto.v1.LaunchPlan;
import io.corral.proto.v1.ProvisionedRootfs;
import io.corral.proto.v1.agent.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DockerRuntimeIsolator}'s fragment, and how the containerizer completes it. */
class DockerRuntimeIsolatorTest {
  @TempDir Path rootfs;
  private final DockerRuntimeIsolator isolator = new DockerRuntimeIsolator();

  @BeforeEach
  void etc() throws IOException {
    Path etc = Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(etc.resolve("passwd"), "root:x:0:0::/:/bin/sh\napp:x:1000:100::/:/bin/sh\n");
    Files.writeString(etc.resolve("group"), "users:x:100:\nwheel:x:10:app\nstaff:x:50:\n");
  }

  private ContainerContext container(CommandInfo command, ImageConfig image) {
    ContainerContext c = Contexts.of("c1");
    Call.LaunchContainer launch = c.launch().toBuilder().setCommand(command).build();
    return new ContainerContext(c.id(), launch, c.sandbox(), c.runtimeDir()).withRootfs(
        ProvisionedRootfs.newBuilder().setRootfs(rootfs.toString()).setConfig(image).build());
  }

  private static final CommandInfo NO_VALUE = CommandInfo.newBuilder().setShell(false).build();

  @Test
  void withoutAnImageTheFragmentIsEmpty() {
    assertEquals(LaunchPlan.getDefaultInstance(), isolator.prepare(Contexts.of("c1")));
  }

  @Test
  void theFragmentCarriesArgvEnvWorkingDirAndTheImageUser() {
    ImageConfig image = ImageConfig.newBuilder().addCmd("/run").addEnv("A=1").addEnv("X")
        .setWorkingDir("app/../srv").setUser("app").build();
    LaunchPlan plan = isolator.prepare(container(NO_VALUE, image));
    assertEquals(List.of("/run"), plan.getArgvList());
    assertEquals(List.of("A=1"), plan.getEnvironmentList());
    assertEquals("/srv", plan.getWorkingDirectory());
    assertEquals(1000, plan.getUid());
    assertEquals(100, plan.getGid());
    assertEquals(List.of(100, 10), plan.getSupplementaryGroupsList());
  }

  @Test
  void imageUsersResolveInTheImagesFiles() {
    UserDatabase users = new UserDatabase(rootfs.resolve("etc/passwd"), rootfs.resolve("etc/group"));
    assertEquals(new ImageUser.Ids(1000, 50, List.of(50, 10)), ImageUser.resolve("app:staff", users));
    assertEquals(new ImageUser.Ids(1000, 7, List.of(7, 10)), ImageUser.resolve("1000:7", users));
    assertEquals(new ImageUser.Ids(4242, 0, List.of(0)), ImageUser.resolve("4242", users));
    assertEquals("Failed to prepare: image user 'nobody' is not in the image's '/etc/passwd'",
        assertThrows(IsolatorException.class, () -> ImageUser.resolve("nobody", users)).getMessage());
    assertEquals("Failed to prepare: image group 'nogroup' is not in the image's '/etc/group'",
        assertThrows(IsolatorException.class, () -> ImageUser.resolve("app:nogroup", users))
            .getMessage());
    assertThrows(IsolatorException.class, () -> ImageUser.resolve(":1", users));
  }

  @Test
  void theCommandsUserWinsOverTheImages() {
    CommandInfo command = NO_VALUE.toBuilder().setUser("root").build();
    LaunchPlan plan = isolator.prepare(container(command,
        ImageConfig.newBuilder().addCmd("/run").setUser("app").build()));
    assertFalse(plan.hasUid());
  }

  @Test
  void aPasswdThatLeadsOutOfTheRootfsIsRefused() throws IOException {
    Files.delete(rootfs.resolve("etc/passwd"));
    Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("/etc/passwd"));
    IsolatorException e = assertThrows(IsolatorException.class, () -> isolator.prepare(container(
        NO_VALUE, ImageConfig.newBuilder().addCmd("/run").setUser("root").build())));
    assertEquals("Failed to prepare: path '/etc/passwd' escapes the rootfs '" + rootfs
        + "' (it resolves to '/etc/passwd')", e.getMessage());
  }

  @Test
  void theContainerizerKeepsTheArgvAndPutsTheCommandsEnvironmentOnTop() {
    CommandInfo command = NO_VALUE.toBuilder().setEnvironment(Environment.newBuilder()
        .addVariables(Environment.Variable.newBuilder().setName("A").setValue("command"))).build();
    ImageConfig image = ImageConfig.newBuilder().addEntrypoint("/ep").addEnv("A=image")
        .addEnv("B=image").addEnv("PATH=/image/bin").build();
    LaunchPlan merged = LaunchPlans.merge(List.of(
        Map.entry("filesystem/linux", LaunchPlan.newBuilder().addEnvironment("MESOS_SANDBOX=/sb")
            .setRootfs(rootfs.toString()).build()),
        Map.entry("docker/runtime", isolator.prepare(container(command, image)))));
    LaunchPlan plan = LaunchPlans.complete(merged, command);
    assertEquals(List.of("/ep"), plan.getArgvList());
    assertEquals(List.of("MESOS_SANDBOX=/sb", "A=command", "B=image", "PATH=/image/bin"),
        plan.getEnvironmentList());
  }

  @Test
  void theCommandsUserIsLookedUpInTheRootfs() {
    CommandInfo command = CommandInfo.newBuilder().setValue("id").setUser("app").build();
    LaunchPlan merged = LaunchPlan.newBuilder().setRootfs(rootfs.toString()).build();
    LaunchPlan plan = LaunchPlans.complete(merged, command);
    assertEquals(1000, plan.getUid());
    assertEquals(List.of("/bin/sh", "-c", "id"), plan.getArgvList());
  }
}
