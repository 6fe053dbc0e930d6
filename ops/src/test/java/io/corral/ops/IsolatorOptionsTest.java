package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.IsolatorRegistry;
import io.corral.isolators.disk.ProjectRange;
import io.corral.isolators.disk.XfsConfig;
import io.corral.isolators.namespaces.IpcNamespaceIsolator;
import io.corral.proto.v1.CapabilityInfo.Capability;
import io.corral.proto.v1.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The isolator flags of corral agent and corral run, parsed into the registry's options. */
class IsolatorOptionsTest {
  @TempDir Path dir;

  private static AgentFlags parse(String... args) {
    AgentFlags flags = new AgentFlags();
    new CommandLine(flags).parseArgs(args);
    return flags;
  }

  @Test
  void defaultsAreMesosOnes() {
    IsolatorRegistry.Options options = parse().isolatorOptions();
    assertEquals(IsolatorRegistry.Options.defaults(), options);
    assertEquals(IpcNamespaceIsolator.DEFAULT_SHM_SIZE, options.defaultContainerShmSize());
  }

  @Test
  void theXfsFlagsReachTheOptionsAndABadRangeStopsTheAgent() {
    XfsConfig xfs = parse("--work_dir=/w", "--xfs_project_range=[100-199,300-399]",
        "--xfs_kill_containers").isolatorOptions().xfs();
    assertEquals(new XfsConfig(Path.of("/w"), ProjectRange.parse("[100-199,300-399]"), true,
        XfsConfig.DEFAULT_WATCH_INTERVAL), xfs);
    assertEquals(XfsConfig.defaults(), parse().isolatorOptions().xfs());
    assertEquals("Failed to parse --xfs_project_range '[0-10]': project range contains illegal 0"
        + " value", assertThrows(StartupException.class,
            () -> parse("--xfs_project_range=[0-10]").isolatorOptions()).getMessage());
  }

  @Test
  void aDefaultContainerInfoWithAFieldCorralCannotHonourStopsTheAgent() {
    assertEquals("Failed to parse --default_container_info: Unsupported field 'hostname' in the"
        + " default ContainerInfo: Corral cannot honour it", assertThrows(StartupException.class,
            () -> parse("--default_container_info={\"type\":\"MESOS\",\"hostname\":\"h\"}")
                .isolatorOptions()).getMessage());
  }

  @Test
  void everyFlagReachesTheOptions() {
    IsolatorRegistry.Options options = parse(
        "--default_container_info={\"type\":\"MESOS\",\"volumes\":[{\"host_path\":\"tmp\","
            + "\"container_path\":\"/tmp\",\"mode\":\"RW\"}]}",
        "--default_container_shm_size=128MB",
        "--disallow_sharing_agent_ipc_namespace",
        "--disallow_sharing_agent_pid_namespace=true",
        "--allowed_capabilities={\"capabilities\":[\"CHOWN\",\"NET_RAW\"]}",
        "--bounding_capabilities={\"capabilities\":[\"CHOWN\",\"NET_RAW\",\"SYS_ADMIN\"]}")
        .isolatorOptions();
    Volume volume = options.defaultContainerInfo().orElseThrow().getVolumes(0);
    assertEquals("/tmp", volume.getContainerPath());
    assertEquals(Volume.Mode.RW, volume.getMode());
    assertEquals(128L << 20, options.defaultContainerShmSize());
    assertTrue(options.disallowSharingAgentIpcNamespace());
    assertTrue(options.disallowSharingAgentPidNamespace());
    assertEquals(Optional.of(Set.of(Capability.CHOWN, Capability.NET_RAW)),
        options.effectiveCapabilities());
    assertEquals(Set.of(Capability.CHOWN, Capability.NET_RAW, Capability.SYS_ADMIN),
        options.boundingCapabilities().orElseThrow());
    assertFalse(parse("--disallow_sharing_agent_ipc_namespace=false").isolatorOptions()
        .disallowSharingAgentIpcNamespace());
    assertEquals(Set.of(Capability.KILL), parse(
        "--effective_capabilities={\"capabilities\":[\"KILL\"]}").isolatorOptions()
        .effectiveCapabilities().orElseThrow());
  }

  @Test
  void jsonFlagsReadFileUrls() throws IOException {
    Path file = Files.writeString(dir.resolve("caps.json"), "{\"capabilities\":[]}");
    assertEquals(Set.of(), parse("--bounding_capabilities=file://" + file).isolatorOptions()
        .boundingCapabilities().orElseThrow());
    assertTrue(assertThrows(StartupException.class, () -> parse(
        "--bounding_capabilities=file://" + dir.resolve("missing")).isolatorOptions())
        .getMessage().startsWith("Failed to read --bounding_capabilities file"));
  }

  @Test
  void sizesAreStoutBytes() {
    assertEquals(64L << 20, IsolatorOptions.bytes("f", "64MB"));
    assertEquals(1536L << 20, IsolatorOptions.bytes("f", "1.5GB"));
    assertEquals(512, IsolatorOptions.bytes("f", "512B"));
    assertEquals("Failed to parse --default_container_shm_size: '64M' is not a size such as 64MB"
        + " (units B, KB, MB, GB, TB)", assertThrows(StartupException.class,
            () -> parse("--default_container_shm_size=64M").isolatorOptions()).getMessage());
    assertThrows(StartupException.class, () -> IsolatorOptions.bytes("f", "0MB"));
  }

  @Test
  void badValuesStopTheAgentNamingTheFlag() {
    assertTrue(assertThrows(StartupException.class, () -> parse(
        "--effective_capabilities={\"capabilities\":[\"CAP_CHOWN\"]}").isolatorOptions())
        .getMessage().startsWith("Failed to parse --effective_capabilities: "));
    assertTrue(assertThrows(StartupException.class, () -> parse(
        "--default_container_info={not json").isolatorOptions())
        .getMessage().startsWith("Failed to parse --default_container_info: "));
    assertEquals("Failed to parse --default_container_info: missing [type]",
        assertThrows(StartupException.class, () -> parse(
            "--default_container_info={}").isolatorOptions()).getMessage());
  }
}
