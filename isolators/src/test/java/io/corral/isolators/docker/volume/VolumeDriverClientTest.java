package io.corral.isolators.docker.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.docker.volume.FakeVolumePlugin.Fault;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The protocol against a real plugin server on a unix socket, well-behaved and faulty. */
class VolumeDriverClientTest {
  @TempDir Path tmp;
  private FakeVolumePlugin plugin;
  private VolumeDriverClient client;

  @BeforeEach
  void start() throws IOException {
    plugin = new FakeVolumePlugin(tmp.resolve("plugins"), "fake", tmp.resolve("root"), false);
    client = new VolumeDriverClient(new PluginDiscovery(List.of(tmp.resolve("plugins"))), Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() throws IOException {
    plugin.close();
  }

  @Test
  void everyMethodRoundTrips() throws IOException {
    client.create("fake", "v1", Map.of("size", "1g"));
    assertEquals("1g", plugin.calls("/VolumeDriver.Create").get(0).body().path("Opts").path("size").asText());
    assertEquals(Optional.empty(), client.path("fake", "v1"));
    String mountpoint = client.mount("fake", "v1", "id-1");
    assertEquals(plugin.mountpoint("v1").toString(), mountpoint);
    assertEquals("id-1", plugin.calls("/VolumeDriver.Mount").get(0).body().path("ID").asText());
    assertEquals(Optional.of(mountpoint), client.path("fake", "v1"));
    assertEquals(new VolumeDriverClient.VolumeInfo("v1", mountpoint), client.get("fake", "v1"));
    assertEquals(List.of(new VolumeDriverClient.VolumeInfo("v1", "")), client.list("fake"));
    assertEquals("local", client.scope("fake"));
    assertEquals("volume in use", assertThrows(VolumeDriverClient.PluginError.class,
        () -> client.remove("fake", "v1")).getMessage());
    client.unmount("fake", "v1", "id-1");
    client.remove("fake", "v1");
    assertEquals("no such volume: v1", assertThrows(IOException.class, () -> client.get("fake", "v1")).getMessage());
    assertEquals(1, plugin.calls("/Plugin.Activate").size(), "activated once");
  }

  @Test
  void aChunkedResponseIsRead() throws IOException {
    plugin.fault("/VolumeDriver.Mount", Fault.CHUNKED);
    client.create("fake", "v1", Map.of());
    assertEquals(plugin.mountpoint("v1").toString(), client.mount("fake", "v1", "id-1"));
  }

  @Test
  void thePluginsErrorsAreCarried() throws IOException {
    client.create("fake", "v1", Map.of());
    plugin.fault("/VolumeDriver.Mount", Fault.ERR);
    assertEquals("scripted failure of /VolumeDriver.Mount", message(() -> client.mount("fake", "v1", "a")));
    plugin.fault("/VolumeDriver.Mount", Fault.HTTP_500);
    assertEquals("scripted 500 of /VolumeDriver.Mount", message(() -> client.mount("fake", "v1", "a")));
    plugin.fault("/VolumeDriver.Mount", Fault.HTTP_500_TEXT);
    assertEquals("HTTP 500 plain text failure of /VolumeDriver.Mount", message(() -> client.mount("fake", "v1", "a")));
    assertEquals("volume 'v1' is not mounted by 'nobody'", message(() -> client.unmount("fake", "v1", "nobody")));
  }

  @Test
  void aPluginWithoutCapabilitiesIsLocal() throws IOException {
    plugin.fault("/VolumeDriver.Capabilities", Fault.NOT_IMPLEMENTED);
    assertEquals("local", client.scope("fake"));
  }

  @Test
  void garbageAndACutResponseAreErrorsNotHangs() {
    plugin.fault("/VolumeDriver.Create", Fault.GARBAGE);
    assertTrue(message(() -> client.create("fake", "v1", Map.of())).startsWith("malformed status line"));
    plugin.fault("/VolumeDriver.Create", Fault.DIE);
    assertTrue(message(() -> client.create("fake", "v1", Map.of())).startsWith("connection closed after 7 of 100"));
  }

  @Test
  void aHangingPluginTimesOut() {
    VolumeDriverClient impatient = new VolumeDriverClient(new PluginDiscovery(List.of(tmp.resolve("plugins"))),
        Duration.ofMillis(300));
    plugin.fault("/VolumeDriver.Create", Fault.HANG);
    IOException e = assertThrows(IOException.class, () -> impatient.create("fake", "v1", Map.of()));
    assertInstanceOf(SocketTimeoutException.class, e);
  }

  @Test
  void aPluginThatIsGoneIsRetriedWithinTheTimeoutThenReported() throws IOException {
    plugin.close();
    VolumeDriverClient impatient = new VolumeDriverClient(new PluginDiscovery(List.of(tmp.resolve("plugins"))),
        Duration.ofMillis(500));
    String message = message(() -> impatient.mount("fake", "v1", "a"));
    assertTrue(message.startsWith("plugin 'fake' cannot be reached: plugin 'fake' not found in"), message);
  }

  @Test
  void specAndJsonFilesNameTheSocket() throws IOException {
    Path etc = Files.createDirectories(tmp.resolve("etc"));
    Files.writeString(etc.resolve("byspec.spec"), "unix://" + plugin.socket() + "\n");
    Files.writeString(etc.resolve("byjson.json"), "{\"Name\":\"byjson\",\"Addr\":\"unix://" + plugin.socket() + "\"}");
    Files.writeString(etc.resolve("tls.json"), "{\"Name\":\"tls\",\"Addr\":\"tcp://127.0.0.1:1\",\"TLSConfig\":{}}");
    VolumeDriverClient byFile = new VolumeDriverClient(new PluginDiscovery(List.of(tmp.resolve("run"), etc)),
        Duration.ofSeconds(5));
    byFile.create("byspec", "a", Map.of());
    byFile.create("byjson", "b", Map.of());
    assertEquals(Set.of("a", "b"), Set.copyOf(client.list("fake").stream().map(VolumeDriverClient.VolumeInfo::name).toList()));
    assertTrue(message(() -> byFile.create("tls", "c", Map.of())).contains("asks for TLS"));
  }

  private interface Call {
    void run() throws IOException;
  }

  private static String message(Call call) {
    return assertThrows(IOException.class, call::run).getMessage();
  }
}
