package io.corral.images.store;

import io.corral.images.ImageReference;
import io.corral.images.registry.BlobReader;
import io.corral.images.registry.Manifest;
import io.corral.images.registry.RegistryClient;
import io.corral.images.registry.RegistrySettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/** Images from a Docker registry; {@code --docker_registry} is the default registry's URL. */
public final class RegistrySource implements ImageSource {
  private static final int MAX_CONFIG = 16 << 20;

  private final URI defaultRegistry;
  private final RegistryClient client;

  public RegistrySource(URI defaultRegistry, RegistrySettings settings) throws IOException {
    this.defaultRegistry = defaultRegistry;
    this.client = new RegistryClient(settings, defaultRegistry);
  }

  @Override
  public ImageReference normalize(ImageReference reference) {
    return reference.normalize(defaultRegistry);
  }

  @Override
  public ResolvedImage resolve(ImageReference reference) throws IOException {
    Manifest manifest = client.manifest(reference);
    byte[] config = client.blobBytes(reference, manifest.config(), MAX_CONFIG);
    return new ResolvedImage(manifest.digest(), config, manifest.layers());
  }

  @Override
  public <T> T read(ImageReference reference, ResolvedImage image, int index, LongConsumer progress,
      BlobReader<T> reader) throws IOException {
    return client.blob(reference, image.layers().get(index), progress, reader);
  }

  @Override
  public String toString() {
    return "registry '" + defaultRegistry + "'";
  }
}
