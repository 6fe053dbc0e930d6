package io.corral.isolators.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.ImageLaunches;
import io.corral.isolators.RealLaunches;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.Volume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** volume/host_path and volume/sandbox_path in a busybox rootfs, as root. */
@Tag("root")
class VolumesIT {
  private ImageLaunches launches;
  private Path data;

  @BeforeEach
  void setUp() throws Exception {
    launches = new ImageLaunches("volumes");
    data = Files.createDirectories(launches.base().resolve("host-data"));
    Files.writeString(data.resolve("f"), "host\n");
  }

  private static Volume hostPath(String path, String containerPath, Volume.Mode mode) {
    return Volume.newBuilder().setContainerPath(containerPath).setMode(mode)
        .setSource(Volume.Source.newBuilder().setType(Volume.Source.Type.HOST_PATH)
            .setHostPath(Volume.Source.HostPath.newBuilder().setPath(path)))
        .build();
  }

  private static Volume sandboxPath(String path, String containerPath, Volume.Mode mode) {
    return Volume.newBuilder().setContainerPath(containerPath).setMode(mode)
        .setSource(Volume.Source.newBuilder().setType(Volume.Source.Type.SANDBOX_PATH)
            .setSandboxPath(Volume.Source.SandboxPath.newBuilder()
                .setType(Volume.Source.SandboxPath.Type.SELF).setPath(path)))
        .build();
  }

  @Test
  void withoutAnImageAHostPathVolumeGoesOntoTheHostsPath() throws Exception {
    Path target = Files.createDirectories(launches.base().resolve("host-target"));
    ContainerInfo info = ImageLaunches.MESOS.toBuilder()
        .addVolumes(hostPath(data.toString(), target.toString(), Volume.Mode.RO)).build();
    RealLaunches.Result result = new RealLaunches(launches.base()).run(
        ImageLaunches.isolators(List.of()), info,
        "cat '" + target + "/f'; touch '" + target + "/new' 2>/dev/null || echo ro; echo $MESOS_SANDBOX",
        (l, s) -> { });
    assertEquals(0, result.exitCode(), result.stderr());
    assertEquals("host\nro\n" + result.sandbox() + "\n", result.stdout());
    assertFalse(Files.exists(target.resolve("f")), "the host's own view is unchanged");
  }

  @Test
  void aReadOnlyHostPathIsReallyReadOnly() throws Exception {
    ContainerInfo info = ImageLaunches.MESOS.toBuilder()
        .addVolumes(hostPath(data.toString(), "/data/ro", Volume.Mode.RO)).build();
    Map<String, String> v = launches.probe(String.join("\n",
        "echo read=$(cat /data/ro/f)",
        "echo write=$(touch /data/ro/new 2>&1 && echo rw || echo ro)",
        "echo remove=$(rm /data/ro/f 2>/dev/null && echo rw || echo ro)"), info);
    assertEquals("host", v.get("read"));
    assertTrue(v.get("write").endsWith("ro"), v.get("write"));
    assertEquals("ro", v.get("remove"));
    assertFalse(Files.exists(data.resolve("new")));
    assertTrue(Files.exists(data.resolve("f")));
    assertTrue(Files.isDirectory(launches.rootfs().resolve("data/ro")), "target made in the rootfs");
  }

  @Test
  void aWritableHostPathAndSandboxPathVolumesLandOnTheHost() throws Exception {
    ContainerInfo info = ImageLaunches.MESOS.toBuilder()
        .addVolumes(hostPath(data.toString(), "rw", Volume.Mode.RW))
        .addVolumes(sandboxPath("shared/dir", "/shared", Volume.Mode.RW))
        .addVolumes(sandboxPath("shared", "/view", Volume.Mode.RO)).build();
    Map<String, String> v = launches.probe(String.join("\n",
        "echo rw=$(cat /mnt/mesos/sandbox/rw/f)",
        "echo x > /mnt/mesos/sandbox/rw/out && echo hostwrite=ok",
        "echo y > /shared/file && echo sandboxwrite=ok",
        "echo view=$(cat /view/dir/file)",
        "echo viewwrite=$(touch /view/z 2>/dev/null && echo rw || echo ro)"), info);
    assertEquals("host", v.get("rw"));
    assertEquals("ok", v.get("hostwrite"));
    assertEquals("x\n", Files.readString(data.resolve("out")));
    assertEquals("ok", v.get("sandboxwrite"));
    Path sandbox = Path.of(v.get("sandbox-host"));
    assertEquals("y\n", Files.readString(sandbox.resolve("shared/dir/file")));
    assertEquals("y", v.get("view"));
    assertEquals("ro", v.get("viewwrite"));
  }
}
