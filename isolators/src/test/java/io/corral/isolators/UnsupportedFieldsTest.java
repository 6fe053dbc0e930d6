package io.corral.isolators;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.Image;
import io.corral.proto.v1.LinuxInfo;
import io.corral.proto.v1.NetworkInfo;
import io.corral.proto.v1.SeccompInfo;
import io.corral.proto.v1.TTYInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which request fields are refused, and how the refusal reads. */
class UnsupportedFieldsTest {
  private static final ContainerInfo.Builder MESOS =
      ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS);

  @Test
  void aPlainMesosContainerAndCommandHaveNone() {
    ContainerInfo supported = MESOS.clone()
        .setLinuxInfo(LinuxInfo.newBuilder().setSharePidNamespace(false)).build();
    assertEquals(List.of(), UnsupportedFields.of(supported));
    assertEquals(List.of(), UnsupportedFields.of(CommandInfo.newBuilder().setValue("true").build()));
  }

  @Test
  void everyUnsupportedFieldIsNamedInOrder() {
    ContainerInfo info = MESOS.clone()
        .setMesos(ContainerInfo.MesosInfo.newBuilder().setImage(Image.newBuilder()
            .setType(Image.Type.DOCKER).setDocker(Image.Docker.newBuilder().setName("alpine"))))
        .setDocker(ContainerInfo.DockerInfo.newBuilder().setImage("alpine"))
        .addNetworkInfos(NetworkInfo.newBuilder().setName("net1"))
        .setHostname("box")
        .setTtyInfo(TTYInfo.newBuilder())
        .setLinuxInfo(LinuxInfo.newBuilder().setSeccomp(SeccompInfo.newBuilder().setUnconfined(true)))
        .build();
    assertEquals(List.of("container.mesos.image", "container.docker", "container.network_infos",
        "container.hostname", "container.tty_info", "container.linux_info.seccomp"),
        UnsupportedFields.of(info));
    assertEquals(List.of(), UnsupportedFields.of(CommandInfo.newBuilder()
        .setValue("true").addUris(CommandInfo.URI.newBuilder().setValue("http://x/y")).build()));
  }

  @Test
  void theMessageNamesEveryField() {
    assertEquals("Unsupported field 'command.uris' in the launch request for container 'c1':"
        + " Corral cannot honour it",
        UnsupportedFields.message(List.of("command.uris"), "the launch request for container 'c1'"));
    assertEquals("Unsupported fields 'hostname', 'tty_info' in x: Corral cannot honour them",
        UnsupportedFields.message(List.of("hostname", "tty_info"), "x"));
  }
}
