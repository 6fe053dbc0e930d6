package io.corral.isolators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.isolators.docker.DockerRuntimeIsolator;
import io.corral.isolators.filesystem.LinuxFilesystemIsolator;
import io.corral.isolators.namespaces.IpcNamespaceIsolator;
import io.corral.isolators.namespaces.PidNamespaceIsolator;
import io.corral.isolators.volume.HostPathVolumeIsolator;
import io.corral.isolators.volume.SandboxPathVolumeIsolator;
import io.corral.posix.testing.TestDirectories;
import io.corral.proto.v1.CommandInfo;
import io.corral.proto.v1.ContainerInfo;
import io.corral.proto.v1.ImageConfig;
import io.corral.proto.v1.ProvisionedRootfs;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Real containers from a busybox rootfs ({@link BusyboxRootfs}) through {@link RealLaunches},
 * with the image isolators in catalog order: filesystem/linux, docker/runtime, volume/host_path,
 * volume/sandbox_path, namespaces/ipc and namespaces/pid. Test thread only.
 */
public final class ImageLaunches {
  public static final ContainerInfo MESOS = ContainerInfo.newBuilder()
      .setType(ContainerInfo.Type.MESOS).build();

  private final Path base;
  private final Path rootfs;
  private final RealLaunches launches;

  /** A fresh work directory (not under /tmp) and rootfs for one test. */
  public ImageLaunches(String group) throws Exception {
    assumeTrue(BusyboxRootfs.available(), "needs /bin/busybox (busybox-static)");
    this.base = TestDirectories.notUnderTmp("it-work", group);
    this.launches = new RealLaunches(base);
    this.rootfs = BusyboxRootfs.create(base.resolve("rootfs"));
  }

  public Path base() {
    return base;
  }

  public Path rootfs() {
    return rootfs;
  }

  /** The isolators, with these volume isolators' flags. */
  public static List<Isolator> isolators(List<Path> forceCreation) {
    String sandbox = LinuxFilesystemIsolator.DEFAULT_SANDBOX_DIRECTORY;
    return List.of(new LinuxFilesystemIsolator(), new DockerRuntimeIsolator(),
        new HostPathVolumeIsolator(sandbox, forceCreation), new SandboxPathVolumeIsolator(),
        new IpcNamespaceIsolator(IpcNamespaceIsolator.DEFAULT_SHM_SIZE, false),
        new PidNamespaceIsolator(false));
  }

  /** Runs {@code command} in a container of the rootfs with this image config. */
  public RealLaunches.Result run(CommandInfo command, ImageConfig image, ContainerInfo info)
      throws Exception {
    ProvisionedRootfs provisioned = ProvisionedRootfs.newBuilder().setRootfs(rootfs.toString())
        .setConfig(image).build();
    return launches.run(isolators(List.of()), info, command, Optional.of(provisioned),
        (l, s) -> {});
  }

  /** Runs a shell script (PATH=/bin) and returns its {@code key=value} lines; it must exit 0. */
  public Map<String, String> probe(String script, ContainerInfo info) throws Exception {
    RealLaunches.Result result = run(CommandInfo.newBuilder().setValue(script).build(),
        ImageConfig.newBuilder().addEnv("PATH=/bin").build(), info);
    return values(result);
  }

  /** The {@code key=value} lines of a launch that must have exited 0, and "sandbox-host". */
  public static Map<String, String> values(RealLaunches.Result result) {
    assertNull(result.failure(), () -> "launch: " + result.failure() + " " + result.stderr());
    assertEquals(0, result.exitCode(), result.stderr() + result.stdout());
    Map<String, String> values = new HashMap<>();
    result.stdout().lines().map(l -> l.split("=", 2)).forEach(kv -> values.put(kv[0], kv[1]));
    values.put("sandbox-host", result.sandbox().toString());
    return values;
  }
}
