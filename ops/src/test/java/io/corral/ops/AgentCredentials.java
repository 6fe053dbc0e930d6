package io.corral.ops;

import io.corral.http.security.Credentials;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * For the ITs that start a root {@code corral agent} with its default flags: the
 * {@code Authorization} header of the credentials the agent generated in its work directory.
 */
final class AgentCredentials {
  private AgentCredentials() {}

  /** {@code request} with the credentials of {@code <workDir>/credentials}, once it exists. */
  static HttpRequest.Builder authorize(HttpRequest.Builder request, Path workDir) {
    Path file = workDir.resolve(DefaultCredentials.FILE);
    if (Files.isReadable(file)) {
      request.header("Authorization",
          Credentials.read(file.toString()).basicAuthorization(Optional.empty()));
    }
    return request;
  }
}
