package io.corral.it;

import io.corral.images.testing.Registry;
import io.corral.images.testing.Skopeo;
import io.corral.posix.MountSafeDelete;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the image ITs share: a temp directory, Debian's docker-registry on loopback with the
 * given authentication, pushes into it with skopeo, the agent flags that enable images, and a
 * teardown that removes all of it (mounts left under the directory included).
 */
final class ImageFixture implements AutoCloseable {
  /** The isolators an image container needs. */
  static final String ISOLATION = "--isolation=filesystem/linux,docker/runtime,namespaces/pid";

  final Path temp;
  final Registry registry;
  private final String credentials;

  private ImageFixture(Path temp, Registry registry, String credentials) {
    this.temp = temp;
    this.registry = registry;
    this.credentials = credentials;
  }

  /** A new directory named after {@code prefix} and a registry in it; {@code auth} may be Basic. */
  static ImageFixture start(String prefix, Registry.Auth auth) throws IOException {
    Path temp = Files.createTempDirectory(prefix);
    try {
      String credentials = auth instanceof Registry.Basic b ? b.user() + ":" + b.password() : null;
      return new ImageFixture(temp, Registry.start(temp.resolve("registry"), auth), credentials);
    } catch (IOException | RuntimeException e) {
      MountSafeDelete.deleteRecursively(temp);
      throw e;
    }
  }

  /** Pushes {@code source} (a skopeo transport name, e.g. {@code oci:DIR:TAG}) as {@code repoTag}. */
  void push(String source, String repoTag) throws IOException {
    push(source, repoTag, Skopeo.Format.V2S2);
  }

  void push(String source, String repoTag, Skopeo.Format format) throws IOException {
    Skopeo.push(source, registry.authority(), repoTag, format, false, credentials);
  }

  /** The agent flags for images from {@code registryUrl}, then {@code extra}. */
  static String[] flagsFor(String registryUrl, String... extra) {
    List<String> flags = new ArrayList<>(List.of(ISOLATION, "--image_providers=docker",
        "--docker_registry=" + registryUrl));
    flags.addAll(List.of(extra));
    return flags.toArray(String[]::new);
  }

  /** The agent flags for images from this fixture's registry, then {@code extra}. */
  String[] flags(String... extra) {
    return flagsFor("http://" + registry.authority(), extra);
  }

  @Override
  public void close() throws IOException {
    try {
      registry.close();
    } finally {
      MountSafeDelete.deleteRecursively(temp);
    }
  }
}
