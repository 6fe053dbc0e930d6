package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.network.cni.CniConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The network/cni flags: Mesos' checks, Corral's, and where the state goes. */
class CniFlagsTest {
  private static final List<String> WITH_CNI = List.of("filesystem/posix", "network/cni");
  @TempDir Path temp;

  private CniFlags parse(String... args) {
    CniFlags flags = new CniFlags();
    new CommandLine(flags).parseArgs(args);
    return flags;
  }

  private CniConfig resolve(CniFlags flags, List<String> isolators) {
    return flags.resolve(temp.resolve("work"), temp.resolve("run"), isolators);
  }

  private String refusal(CniFlags flags, List<String> isolators) {
    return assertThrows(StartupException.class, () -> resolve(flags, isolators)).getMessage();
  }

  @Test
  void withoutFlagsNoNetworks() {
    assertFalse(resolve(parse(), WITH_CNI).enabled());
  }

  @Test
  void bothDirectoriesAndTheIsolatorAreRequired() throws IOException {
    Path conf = Files.createDirectory(temp.resolve("conf"));
    assertEquals("Missing required '--network_cni_plugins_dir' flag",
        refusal(parse("--network_cni_config_dir=" + conf), WITH_CNI));
    assertEquals("Missing required '--network_cni_config_dir' flag",
        refusal(parse("--network_cni_plugins_dir=/usr/lib/cni"), WITH_CNI));
    CniFlags both = parse("--network_cni_config_dir=" + conf, "--network_cni_plugins_dir=" + conf);
    assertTrue(refusal(both, List.of("filesystem/posix")).contains("need 'network/cni' in --isolation"));
    assertEquals("The CNI network configuration directory '" + temp.resolve("absent") + "' does not exist",
        refusal(parse("--network_cni_config_dir=" + temp.resolve("absent"), "--network_cni_plugins_dir=" + conf),
            WITH_CNI));
  }

  @Test
  void directoriesOthersCanWriteAreRefused() throws IOException {
    Path conf = Files.createDirectory(temp.resolve("conf"));
    Path plugins = Files.createDirectory(temp.resolve("plugins"));
    Files.setPosixFilePermissions(plugins, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertTrue(refusal(parse("--network_cni_config_dir=" + conf, "--network_cni_plugins_dir=" + plugins), WITH_CNI)
        .startsWith("Failed to use --network_cni_plugins_dir '" + plugins + "': it must be owned by the agent's"
            + " user and writable by no one else"));
  }

  @Test
  void theStateIsUnderTheRuntimeDirOrPersistedUnderTheWorkDir() throws IOException {
    Path conf = Files.createDirectory(temp.resolve("conf"));
    CniConfig runtime = resolve(parse("--network_cni_config_dir=" + conf, "--network_cni_plugins_dir=" + conf
        + ":" + conf, "--network_cni_plugin_timeout=5secs"), WITH_CNI);
    assertEquals(temp.resolve("run/isolators/network/cni"), runtime.rootDir());
    assertEquals(List.of(conf, conf), runtime.pluginsDirs());
    assertEquals(Duration.ofSeconds(5), runtime.pluginTimeout());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(runtime.rootDir())));
    CniConfig persisted = resolve(parse("--network_cni_config_dir=" + conf, "--network_cni_plugins_dir=" + conf,
        "--network_cni_root_dir_persist"), WITH_CNI);
    assertEquals(temp.resolve("work/isolators/network/cni"), persisted.rootDir());
    assertEquals(CniConfig.DEFAULT_PLUGIN_TIMEOUT, persisted.pluginTimeout());
  }

  @Test
  void theDefaultDnsIsJsonOrAFile() throws IOException {
    String json = "{\"mesos\":[{\"network_mode\":\"CNI\",\"dns\":{\"nameservers\":[\"10.0.0.1\"]}}]}";
    Path file = Files.writeString(temp.resolve("dns.json"), json);
    Path conf = Files.createDirectory(temp.resolve("conf"));
    for (String value : List.of(json, file.toString(), "file://" + file)) {
      CniConfig config = resolve(parse("--default_container_dns=" + value, "--network_cni_config_dir=" + conf,
          "--network_cni_plugins_dir=" + conf), WITH_CNI);
      assertEquals(List.of("10.0.0.1"), config.dns().forNetwork("any").orElseThrow().nameservers());
    }
    assertTrue(refusal(parse("--default_container_dns={\"mesos\":[{\"network_mode\":\"X\"}]}"), WITH_CNI)
        .contains("unknown network_mode 'X'"));
  }
}
