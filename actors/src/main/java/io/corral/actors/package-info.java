/**
 * The embedding API: {@link io.corral.actors.Containerizer} with its commands and replies,
 * {@link io.corral.actors.ContainerizerSettings}, and the types their signatures carry
 * ({@link io.corral.actors.ContainerError}, {@link io.corral.actors.ContainerState},
 * {@link io.corral.actors.ContainerMetrics}, {@link io.corral.actors.Layout},
 * {@link io.corral.actors.Failures}). The embedding's own actor forwards to the containerizer
 * actor ({@code io.corral.actors.container}) on the embedding's dispatcher; everything in the
 * sub-packages is internal.
 */
package io.corral.actors;
