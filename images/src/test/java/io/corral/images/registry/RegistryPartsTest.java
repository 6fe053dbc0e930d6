package io.corral.images.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Challenges, Docker config credentials, and manifest media types and platforms. */
class RegistryPartsTest {

  @Test
  void parsesBearerChallengesWithQuotedCommas() {
    Challenge c = Challenge.parse("Bearer realm=\"http://127.0.0.1:5058/token\",service=\"corral-registry\","
        + "scope=\"repository:a/b:pull,push\",error=\"insufficient_scope\"");
    assertEquals("bearer", c.scheme());
    assertEquals(Map.of("realm", "http://127.0.0.1:5058/token", "service", "corral-registry",
        "scope", "repository:a/b:pull,push", "error", "insufficient_scope"), c.params());
    assertEquals(Map.of("realm", "corral-basic"), Challenge.parse("Basic realm=\"corral-basic\"").params());
    assertEquals("basic", Challenge.parse("Basic").scheme());
    assertEquals(Map.of("realm", "x"), Challenge.parse("Bearer realm=x").params());
  }

  @Test
  void findsCredentialsByHostWhateverTheKeyLooksLike() throws Exception {
    String json = "{\"auths\":{"
        + "\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("hub:pw") + "\"},"
        + "\"http://127.0.0.1:5000\":{\"auth\":\"" + b64("local:pw:with:colons") + "\"},"
        + "\"quay.io/some/path\":{\"username\":\"q\",\"password\":\"qp\"},"
        + "\"empty.example\":{}}}";
    DockerConfig config = DockerConfig.parse(new ObjectMapper().readTree(json));
    assertEquals(Optional.of(new DockerConfig.Credentials("hub", "pw")), config.lookup("registry-1.docker.io"));
    assertEquals(Optional.of(new DockerConfig.Credentials("local", "pw:with:colons")), config.lookup("127.0.0.1:5000"));
    assertEquals(Optional.of(new DockerConfig.Credentials("q", "qp")), config.lookup("quay.io"));
    assertEquals(Optional.empty(), config.lookup("empty.example"));
    assertEquals(Optional.empty(), config.lookup("127.0.0.1:5001"));
    assertTrue(!new DockerConfig.Credentials("u", "secret").toString().contains("secret"), "no password in logs");
    assertThrows(IllegalArgumentException.class,
        () -> DockerConfig.parse(new ObjectMapper().readTree("{\"auths\":{\"x\":{\"auth\":\"" + b64("nocolon") + "\"}}}")));
  }

  @Test
  void tellsManifestTypesFromHeaderOrBody() throws Exception {
    byte[] oci = "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}".getBytes(StandardCharsets.UTF_8);
    assertEquals(MediaTypes.OCI_MANIFEST, Manifest.mediaType(oci, "application/json"));
    byte[] index = "{\"schemaVersion\":2,\"manifests\":[]}".getBytes(StandardCharsets.UTF_8);
    assertEquals(MediaTypes.OCI_INDEX, Manifest.mediaType(index, null));
    assertEquals(MediaTypes.DOCKER_LIST, Manifest.mediaType(index, MediaTypes.DOCKER_LIST + "; charset=utf-8"));
    RegistryException e = assertThrows(RegistryException.class,
        () -> Manifest.mediaType("{\"schemaVersion\":1}".getBytes(StandardCharsets.UTF_8), "application/json"));
    assertEquals("unsupported manifest media type 'schemaVersion 1'", e.getMessage());
    assertThrows(RegistryException.class, () -> Manifest.mediaType("[]".getBytes(StandardCharsets.UTF_8), null));
  }

  @Test
  void picksThePlatformAndRefusesForeignLayerTypes() throws Exception {
    String a = "sha256:" + "a".repeat(64);
    String b = "sha256:" + "b".repeat(64);
    byte[] index = ("{\"manifests\":[{\"digest\":\"" + a + "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
        + "{\"digest\":\"" + b + "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}")
        .getBytes(StandardCharsets.UTF_8);
    assertEquals(b, Manifest.selectPlatform(index, "linux", "amd64").digest());
    assertEquals(a, Manifest.selectPlatform(index, "linux", "arm64").digest());
    byte[] zstd = ("{\"config\":{\"digest\":\"" + a + "\"},\"layers\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" + b + "\"}]}").getBytes(StandardCharsets.UTF_8);
    RegistryException e = assertThrows(RegistryException.class, () -> Manifest.parse(a, MediaTypes.OCI_MANIFEST, zstd));
    assertEquals("unsupported layer media type 'application/vnd.oci.image.layer.v1.tar+zstd' of '" + b + "'",
        e.getMessage());
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
