/**
 * The Docker Registry HTTP API v2 client: {@link io.corral.images.registry.RegistryClient}
 * (manifests, indexes and blobs, each verified by digest), its auth ({@code WWW-Authenticate}
 * challenges, Basic and Bearer, credentials from {@code --docker_config}) and its transport
 * (timeouts, retries with backoff, redirects without credentials to other hosts). Blocking;
 * the store calls it on its executor.
 */
package io.corral.images.registry;
