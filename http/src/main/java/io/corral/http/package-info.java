/**
 * The Mesos v1 agent API over Pekko HTTP, for standalone containers.
 *
 * <p>{@code ops} builds an {@link io.corral.http.AgentInfo} and {@link io.corral.http.HttpSettings},
 * creates {@link io.corral.http.AgentRoutes} around the containerizer's {@code ActorRef} and a
 * readiness hook, and binds them with {@link io.corral.http.AgentServer}. Each request is decoded
 * ({@code ApiCodec}, {@code CallValidation}), sent to the containerizer as one typed ask, and the
 * reply or failure is turned into a response ({@code ApiResponses}, {@link
 * io.corral.http.ErrorMapping}). JSON is written as Mesos writes it ({@link
 * io.corral.http.MesosJson}). Nothing here touches the kernel or keeps container state.
 */
package io.corral.http;
