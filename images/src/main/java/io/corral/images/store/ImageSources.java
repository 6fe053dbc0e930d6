package io.corral.images.store;

import io.corral.images.registry.RegistrySettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/** The {@link ImageSource} that {@code --docker_registry} names: a URL, or an absolute directory. */
public final class ImageSources {
  private ImageSources() {}

  /**
   * A {@link RegistrySource} for an {@code http(s)://} URL, an {@link ArchiveSource} for an
   * absolute path (Mesos' local puller); anything else is refused.
   */
  public static ImageSource forFlag(String dockerRegistry, RegistrySettings settings) throws IOException {
    if (dockerRegistry.startsWith("/")) {
      return new ArchiveSource(Path.of(dockerRegistry));
    }
    URI uri;
    try {
      uri = URI.create(dockerRegistry);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Failed to parse --docker_registry '" + dockerRegistry + "': " + e.getMessage());
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "Failed to parse --docker_registry '" + dockerRegistry + "': expected an http(s) URL or an absolute path");
    }
    return new RegistrySource(uri, settings);
  }
}
