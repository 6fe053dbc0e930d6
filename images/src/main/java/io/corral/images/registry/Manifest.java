package io.corral.images.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An image manifest (Docker schema 2 or OCI) whose body was verified against {@code digest}:
 * the config blob and the layer blobs, bottom layer first. {@link #parse} also reads manifest
 * lists and OCI indexes, from which {@link #selectPlatform} picks one manifest.
 */
public record Manifest(String digest, String mediaType, Descriptor config, List<Descriptor> layers) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public Manifest {
    layers = List.copyOf(layers);
  }

  /**
   * The media type of a manifest body: the Content-Type header when it names a known type, else
   * the body's own {@code mediaType}, else what an OCI document without one must be. Schema 1
   * and anything else unknown are refused.
   */
  public static String mediaType(byte[] body, String contentType) throws RegistryException {
    String header = contentType == null ? "" : contentType.split(";", 2)[0].trim();
    JsonNode json = read(body);
    String declared = json.path("mediaType").asText("");
    String type = known(header) ? header : declared;
    if (type.isEmpty() && json.path("schemaVersion").asInt() == 2) {
      type = json.has("manifests") ? MediaTypes.OCI_INDEX : json.has("layers") ? MediaTypes.OCI_MANIFEST : "";
    }
    if (!known(type)) {
      String shown = !header.isEmpty() && !header.equals("application/json") ? header : declared;
      if (shown.isEmpty()) {
        shown = "schemaVersion " + json.path("schemaVersion").asText("?");
      }
      throw new RegistryException("unsupported manifest media type '" + shown + "'");
    }
    return type;
  }

  private static boolean known(String type) {
    return MediaTypes.isManifest(type) || MediaTypes.isIndex(type);
  }

  /** Parses a verified image manifest body of media type {@code type}. */
  public static Manifest parse(String digest, String type, byte[] body) throws RegistryException {
    JsonNode json = read(body);
    Descriptor config = descriptor(json.path("config"), "config");
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode layer : json.path("layers")) {
      Descriptor d = descriptor(layer, "layer");
      if (!MediaTypes.LAYERS.contains(d.mediaType())) {
        throw new RegistryException("unsupported layer media type '" + d.mediaType() + "' of '" + d.digest() + "'");
      }
      layers.add(d);
    }
    if (layers.isEmpty()) {
      throw new RegistryException("manifest '" + digest + "' has no layers");
    }
    return new Manifest(digest, type, config, layers);
  }

  /**
   * The manifest of an index or list for {@code os}/{@code architecture}, the first listed if
   * several match; fails naming the platforms there are.
   */
  public static Descriptor selectPlatform(byte[] index, String os, String architecture) throws RegistryException {
    List<String> seen = new ArrayList<>();
    for (JsonNode m : read(index).path("manifests")) {
      JsonNode platform = m.path("platform");
      String mOs = platform.path("os").asText("");
      String mArch = platform.path("architecture").asText("");
      seen.add(mOs + "/" + mArch);
      if (os.equals(mOs) && architecture.equals(mArch)) {
        Descriptor d = descriptor(m, "manifest");
        return new Descriptor(d.mediaType(), d.digest(), d.size(), mOs, mArch, platform.path("variant").asText(null));
      }
    }
    throw new RegistryException("no manifest for platform '" + os + "/" + architecture + "' in the index (has " + seen + ")");
  }

  private static Descriptor descriptor(JsonNode node, String what) throws RegistryException {
    String digest = node.path("digest").asText("");
    if (!Digests.isSha256(digest)) {
      throw new RegistryException("malformed " + what + " digest '" + digest + "' in the manifest");
    }
    return new Descriptor(node.path("mediaType").asText(""), digest, node.path("size").asLong(-1));
  }

  static JsonNode read(byte[] body) throws RegistryException {
    try {
      JsonNode json = JSON.readTree(body);
      if (json == null || !json.isObject()) {
        throw new RegistryException("manifest is not a JSON object");
      }
      return json;
    } catch (IOException e) {
      throw new RegistryException("malformed manifest JSON: " + e.getMessage(), e);
    }
  }
}
