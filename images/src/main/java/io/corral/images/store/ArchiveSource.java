package io.corral.images.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.images.ImageReference;
import io.corral.images.registry.BlobReader;
import io.corral.images.registry.Descriptor;
import io.corral.images.registry.Digests;
import io.corral.images.registry.MediaTypes;
import io.corral.images.registry.RegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Images from a directory of image archives ({@code --docker_registry} is a local path), as
 * Mesos' local puller finds them: {@code <dir>/<name>.tar}, the name in Mesos' form (with its tag,
 * or {@code <repo>.tar} for {@code latest}). Both {@code docker save} archives and skopeo's
 * {@code docker-archive} are read through {@code manifest.json} (the image is the entry whose
 * {@code RepoTags} names it, else the one the v1 {@code repositories} file points at); links in
 * the archive are followed only to entries inside it. The image's identity is its config's
 * digest; its layers are checked against the config's diff_ids. Stateless and thread-safe.
 */
public final class ArchiveSource implements ImageSource {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_JSON = 16 << 20;

  private final Path directory;

  public ArchiveSource(Path directory) {
    this.directory = directory.toAbsolutePath().normalize();
  }

  @Override
  public ImageReference normalize(ImageReference reference) {
    return reference.normalize(null);
  }

  @Override
  public ResolvedImage resolve(ImageReference ref) throws IOException {
    Path tar = find(ref);
    try (TarFile archive = new TarFile(tar)) {
      ArchiveEntries entries = new ArchiveEntries(archive, tar);
      JsonNode manifest = JSON.readTree(entries.bytes("manifest.json", MAX_JSON));
      JsonNode image = select(manifest, entries, ref, tar);
      byte[] config = entries.bytes(image.path("Config").asText(), MAX_JSON);
      List<Descriptor> layers = new ArrayList<>();
      List<String> locations = new ArrayList<>();
      for (JsonNode layer : image.path("Layers")) {
        TarArchiveEntry e = entries.resolve(layer.asText());
        layers.add(new Descriptor(MediaTypes.OCI_LAYER, null, e.getSize()));
        locations.add(e.getName());
      }
      return new ResolvedImage(Digests.of(config), config, layers, locations);
    }
  }

  @Override
  public <T> T read(ImageReference ref, ResolvedImage image, int index, LongConsumer progress, BlobReader<T> reader)
      throws IOException {
    Path tar = find(ref);
    try (TarFile archive = new TarFile(tar)) {
      ArchiveEntries entries = new ArchiveEntries(archive, tar);
      String name = image.locations().get(index);
      try (InputStream in = entries.open(name)) {
        T result = reader.read(in);
        in.transferTo(OutputStream.nullOutputStream());
        progress.accept(entries.resolve(name).getSize());
        return result;
      }
    }
  }

  /** {@code <dir>/<name>.tar}, or {@code <dir>/<repo>.tar} for the tag latest. */
  private Path find(ImageReference ref) throws RegistryException {
    List<Path> candidates = new ArrayList<>();
    candidates.add(directory.resolve(ref + ".tar"));
    if ("latest".equals(ref.tag()) && ref.digest() == null) {
      String bare = new ImageReference(ref.registry(), ref.repository(), null, null).toString();
      candidates.add(directory.resolve(bare + ".tar"));
    }
    for (Path p : candidates) {
      if (p.normalize().startsWith(directory) && Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new RegistryException("no archive for image '" + ref + "' at '" + candidates.get(0) + "'");
  }

  private static JsonNode select(JsonNode manifest, ArchiveEntries entries, ImageReference ref, Path tar)
      throws IOException {
    List<String> names = new ArrayList<>();
    for (JsonNode image : manifest) {
      for (JsonNode tag : image.path("RepoTags")) {
        names.add(tag.asText());
        if (sameImage(tag.asText(), ref)) {
          return image;
        }
      }
    }
    String top = topLayerFromRepositories(entries, ref);
    if (top != null) {
      for (JsonNode image : manifest) {
        JsonNode layers = image.path("Layers");
        if (layers.size() > 0 && layers.get(layers.size() - 1).asText().startsWith(top + "/")) {
          return image;
        }
      }
    }
    throw new RegistryException("image '" + ref + "' is not in archive '" + tar + "' (it has " + names + ")");
  }

  /** The v1 id of the top layer that the legacy {@code repositories} file names for {@code ref}. */
  private static String topLayerFromRepositories(ArchiveEntries entries, ImageReference ref) throws IOException {
    if (!entries.has("repositories")) {
      return null;
    }
    JsonNode repositories = JSON.readTree(entries.bytes("repositories", MAX_JSON));
    for (Map.Entry<String, JsonNode> repo : repositories.properties()) {
      for (Map.Entry<String, JsonNode> tag : repo.getValue().properties()) {
        if (sameImage(repo.getKey() + ":" + tag.getKey(), ref)) {
          return tag.getValue().asText();
        }
      }
    }
    return null;
  }

  /** Whether an archive's name for an image means {@code ref}, Docker Hub's spellings being one. */
  static boolean sameImage(String name, ImageReference ref) {
    try {
      return canonical(ImageReference.parse(name)).equals(canonical(ref));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String canonical(ImageReference ref) {
    String registry = ref.registry();
    if (registry == null || registry.equals("index.docker.io") || registry.equals(ImageReference.DOCKER_HUB)) {
      registry = "docker.io";
    }
    ImageReference r = new ImageReference(registry, ref.repository(), ref.tag(), ref.digest());
    return r.normalize(null).toString();
  }
}
