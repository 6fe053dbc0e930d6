package io.corral.images.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.images.ImageReference;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the Docker Registry HTTP API v2, as Mesos' registry puller and docker URI fetcher
 * use it: manifests (Docker schema 2 and OCI, through a manifest list or OCI index to this host's
 * platform) and blobs, each verified against its sha256 digest before it is returned. Auth
 * follows the {@code WWW-Authenticate} challenge ({@link RegistryAuth}); transport failures are
 * retried ({@link Transport}). References must be {@link ImageReference#normalize normalized}.
 * Thread-safe; every method blocks the calling thread.
 */
public final class RegistryClient {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_MANIFEST = 4 << 20;

  private final Transport transport;
  private final RegistryAuth auth;
  private final URI defaultRegistry;

  /** {@code defaultRegistry} is {@code --docker_registry}; credentials come from the settings' config. */
  public RegistryClient(RegistrySettings settings, URI defaultRegistry) throws IOException {
    this.transport = new Transport(settings);
    this.auth = new RegistryAuth(transport, DockerConfig.read(settings.dockerConfig()));
    this.defaultRegistry = defaultRegistry;
  }

  /**
   * The base URL of a normalized reference's registry: the default registry's URL if it is that
   * registry, Docker Hub's API host for {@code docker.io}, else http for port 80 and https
   * otherwise (Mesos' {@code getRegistryScheme}).
   */
  public URI registryUrl(ImageReference ref) {
    String authority = ref.registry();
    if (authority == null || authority.equals(ImageReference.authority(defaultRegistry))) {
      return URI.create(defaultRegistry.getScheme() + "://" + ImageReference.authority(defaultRegistry));
    }
    if (authority.equals("docker.io") || authority.equals("index.docker.io")) {
      return URI.create("https://" + ImageReference.DOCKER_HUB);
    }
    return URI.create((authority.endsWith(":80") ? "http://" : "https://") + authority);
  }

  /** The verified image manifest for {@code ref}, through an index to this platform's entry. */
  public Manifest manifest(ImageReference ref) throws IOException {
    Fetched f = fetchManifest(ref, ref.manifestReference());
    if (MediaTypes.isIndex(f.type())) {
      RegistrySettings s = transport.settings();
      Descriptor chosen = Manifest.selectPlatform(f.body(), s.os(), s.architecture());
      LOG.debug("Picked manifest '{}' for '{}/{}' from index '{}'", chosen.digest(), s.os(), s.architecture(), f.digest());
      f = fetchManifest(ref, chosen.digest());
      if (!MediaTypes.isManifest(f.type())) {
        throw new RegistryException("index entry '" + chosen.digest() + "' is a '" + f.type() + "', not an image manifest");
      }
    }
    return Manifest.parse(f.digest(), f.type(), f.body());
  }

  private record Fetched(String digest, String type, byte[] body) {}

  private Fetched fetchManifest(ImageReference ref, String reference) throws IOException {
    HttpResponse<InputStream> r = request(ref, "/manifests/" + reference, MediaTypes.ACCEPT);
    if (r.statusCode() != 200) {
      throw failure(r, ref, "manifest '" + reference + "'");
    }
    byte[] body = Transport.readLimited(r.body(), MAX_MANIFEST, "manifest '" + reference + "'");
    String type = Manifest.mediaType(body, r.headers().firstValue("Content-Type").orElse(null));
    String actual = Digests.of(body);
    if (Digests.isSha256(reference) && !reference.equals(actual)) {
      throw new RegistryException("digest mismatch for manifest '" + reference + "': got '" + actual + "'");
    }
    String claimed = r.headers().firstValue("Docker-Content-Digest").orElse(null);
    if (claimed != null && claimed.startsWith("sha256:") && !claimed.equals(actual)) {
      throw new RegistryException("digest mismatch for manifest '" + reference + "': the registry says '" + claimed
          + "', the body is '" + actual + "'");
    }
    return new Fetched(actual, type, body);
  }

  /** A small blob (a config) in memory, verified against {@code d}; at most {@code limit} bytes. */
  public byte[] blobBytes(ImageReference ref, Descriptor d, int limit) throws IOException {
    HttpResponse<InputStream> r = request(ref, "/blobs/" + d.digest(), null);
    if (r.statusCode() != 200) {
      throw failure(r, ref, "blob '" + d.digest() + "'");
    }
    byte[] body = Transport.readLimited(r.body(), limit, "blob '" + d.digest() + "'");
    String actual = Digests.of(body);
    if (!actual.equals(d.digest())) {
      throw new RegistryException("digest mismatch for blob '" + d.digest() + "': got '" + actual + "'");
    }
    return body;
  }

  /**
   * Reads blob {@code d} through {@code reader} as it arrives, verified against its size and
   * digest (a mismatch fails the read that reaches the end, or the drain after the reader), and
   * returns the reader's result; {@code progress} gets the bytes so far. A transfer that breaks
   * (including a body that stalls for the timeout) is retried from the start, calling the reader
   * again, up to the settings' attempts; a failure of the reader itself is not retried, and is
   * reported as the blob's mismatch when the whole blob does not match.
   */
  public <T> T blob(ImageReference ref, Descriptor d, LongConsumer progress, BlobReader<T> reader) throws IOException {
    Digests.hex(d.digest());
    for (int attempt = 1; ; attempt++) {
      HttpResponse<InputStream> r = request(ref, "/blobs/" + d.digest(), null);
      if (r.statusCode() != 200) {
        throw failure(r, ref, "blob '" + d.digest() + "'");
      }
      BlobStream in = new BlobStream(r.body(), d, transport.settings().timeout(), progress);
      try {
        T result = reader.read(in);
        in.transferTo(OutputStream.nullOutputStream());
        return result;
      } catch (IOException | RuntimeException e) {
        RegistryException corrupted = in.mismatchOfRest();
        if (corrupted != null) {
          throw corrupted;
        }
        if (in.broken() == null) {
          throw e;
        }
        if (attempt >= transport.settings().maxAttempts()) {
          throw new RegistryException("failed to download blob '" + d.digest() + "': "
              + Transport.describe(in.broken()), in.broken());
        }
        LOG.debug("Retrying blob '{}' after '{}'", d.digest(), Transport.describe(in.broken()));
      } finally {
        in.close();
      }
    }
  }

  private HttpResponse<InputStream> request(ImageReference ref, String path, String accept) throws IOException {
    URI base = registryUrl(ref);
    URI uri = base.resolve("/v2/" + ref.repository() + path);
    String authority = Transport.authority(base);
    String scope = "repository:" + ref.repository() + ":pull";
    String sent = auth.header(authority, scope);
    for (int round = 0; ; round++) {
      HttpResponse<InputStream> r = transport.get(uri, accept, sent);
      if (r.statusCode() != 401 || round >= 3) {
        return r;
      }
      String challenge = r.headers().firstValue("WWW-Authenticate").orElse(null);
      r.body().close();
      auth.answer(authority, scope, challenge, sent);
      sent = auth.header(authority, scope);
    }
  }

  private RegistryException failure(HttpResponse<InputStream> r, ImageReference ref, String what) {
    String code = "";
    String message = "";
    try {
      JsonNode error = JSON.readTree(Transport.readLimited(r.body(), 64 << 10, "error body")).path("errors").path(0);
      code = error.path("code").asText("");
      message = error.path("message").asText("");
    } catch (IOException | RuntimeException e) {
      LOG.debug("Unreadable error body for {}: {}", what, e.toString());
    }
    String registry = Transport.authority(registryUrl(ref));
    String repo = "repository '" + ref.repository() + "'";
    switch (code) {
      case "NAME_UNKNOWN":
        return new RegistryException(repo + " not found in registry '" + registry + "' (NAME_UNKNOWN)");
      case "MANIFEST_UNKNOWN":
        return new RegistryException(what + " not found in " + repo + " of registry '" + registry
            + "' (MANIFEST_UNKNOWN: " + message + ")");
      case "BLOB_UNKNOWN":
        return new RegistryException(what + " not found in " + repo + " of registry '" + registry + "' (BLOB_UNKNOWN)");
      default:
        String detail = code.isEmpty() ? "" : ": " + code + (message.isEmpty() ? "" : " " + message);
        return new RegistryException("registry '" + registry + "' answered HTTP " + r.statusCode() + " for " + what
            + " of " + repo + detail);
    }
  }
}
