package io.corral.images.store;

import static io.corral.images.store.Stores.assertBusybox;
import static io.corral.images.store.Stores.assertPullFails;
import static io.corral.images.store.Stores.get;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.corral.images.registry.RegistrySettings;
import io.corral.images.testing.Registry;
import io.corral.images.testing.Skopeo;
import io.corral.images.testing.Skopeo.Format;
import io.corral.images.testing.TestImages;
import io.corral.images.testing.TokenServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authentication against the real registry: htpasswd Basic auth, and Bearer tokens from our
 * token server, with credentials from a Docker {@code config.json} ({@code --docker_config}).
 * The images are pushed to an open registry whose storage the auth registries share.
 */
class RegistryAuthIT {
  static final String USER = "corral";
  static final String PASSWORD = "s3cret";

  @TempDir static Path work;
  static Registry open;
  static Registry basic;
  static Registry token;
  static TokenServer tokens;

  @BeforeAll
  static void start() throws Exception {
    Stores.assumeTools();
    open = Registry.start(work.resolve("open"), new Registry.NoAuth());
    TestImages.Built busybox = TestImages.busybox(work.resolve("oci"), "test");
    Skopeo.push(busybox.ociName(), open.authority(), "busybox:latest", Format.V2S2, false, null);
    Skopeo.push(busybox.ociName(), open.authority(), "library/busybox:latest", Format.OCI, false, null);
    basic = Registry.start(work.resolve("basic"), open.storage(), new Registry.Basic(USER, PASSWORD));
    tokens = TokenServer.start(work.resolve("tokens"), USER, PASSWORD);
    token = Registry.start(work.resolve("token"), open.storage(), new Registry.Token(tokens));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {token, tokens, basic, open}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static Path dockerConfig(Path dir, Registry registry, String password) throws Exception {
    String auth = Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    Path file = dir.resolve("config-" + registry.port() + ".json");
    Files.writeString(file, "{\"auths\":{\"http://" + registry.authority() + "\":{\"auth\":\"" + auth + "\"}}}");
    return file;
  }

  private static ImageStore store(Path dir, Registry registry, Path config) throws Exception {
    RegistrySettings settings = RegistrySettings.defaults().withDockerConfig(config);
    return Stores.open(dir.resolve("store"), new RegistrySource(registry.url(), settings));
  }

  @Test
  void basicAuthWithTheRightPassword(@TempDir Path dir) throws Exception {
    assertBusybox(get(store(dir, basic, dockerConfig(dir, basic, PASSWORD)), "busybox"), 2);
  }

  @Test
  void basicAuthWithAWrongPasswordOrNoneIsRefusedClearly(@TempDir Path dir) throws Exception {
    assertPullFails(store(dir, basic, dockerConfig(dir, basic, "wrong")), "busybox",
        "registry '" + basic.authority() + "' refused the credentials of user 'corral' (401 Unauthorized)");
    assertPullFails(store(dir.resolve("none"), basic, null), "busybox",
        "requires authentication (Basic) and --docker_config has no credentials for it");
  }

  @Test
  void bearerTokensPerRepositoryScope(@TempDir Path dir) throws Exception {
    ImageStore store = store(dir, token, dockerConfig(dir, token, PASSWORD));
    int before = tokens.scopesAsked().size();
    assertBusybox(get(store, "busybox"), 2);
    assertBusybox(get(store, "library/busybox"), 2);
    assertEquals(List.of("repository:busybox:pull", "repository:library/busybox:pull"),
        tokens.scopesAsked().subList(before, tokens.scopesAsked().size()),
        "one token per scope, reused for the manifest and every blob");
  }

  @Test
  void aTokenWithTooLittleScopeIsReplaced(@TempDir Path dir) throws Exception {
    ImageStore store = store(dir, token, dockerConfig(dir, token, PASSWORD));
    int before = tokens.scopesAsked().size();
    tokens.narrowFirstToken();
    assertBusybox(get(store, "busybox"), 2);
    assertEquals(List.of("repository:busybox:pull", "repository:busybox:pull"),
        tokens.scopesAsked().subList(before, tokens.scopesAsked().size()),
        "insufficient_scope brought a second token request");
  }

  @Test
  void theTokenRealmRefusingTheCredentialsIsNamed(@TempDir Path dir) throws Exception {
    assertPullFails(store(dir, token, dockerConfig(dir, token, "wrong")), "busybox",
        "token realm '" + tokens.realm() + "' refused the credentials of user 'corral' (401)");
  }
}
