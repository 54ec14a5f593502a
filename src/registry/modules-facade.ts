// What a plugin module's registering function `(registries) => void` gets: not the registries
// themselves (an assignment such as `r.layers = null` would break every later step with an internal
// error) but a frozen facade of them, whose register validates a plugin as an exported one is.
import type { Registries, RegistryKind } from './index.js';
import type { PluginBase } from './registry.js';

/** One kind's registry as a plugin module sees it. */
export interface RegistryFacade {
  register(plugin: unknown): RegistryFacade;
  has(type: string): boolean;
  get(type: string): PluginBase;
  names(): string[];
  list(): PluginBase[];
}

export type RegistriesFacade = Readonly<Record<RegistryKind, RegistryFacade>>;

/** Thrown by a facade's register for a malformed plugin, after the problem was recorded. */
export class RejectedPlugin extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = 'RejectedPlugin';
  }
}

export interface FacadeHooks {
  /** Why a plugin registered under `kind` cannot be, or undefined when it can. */
  check(kind: RegistryKind, plugin: unknown): string | undefined;
  /** Called with each rejection (the register call then throws RejectedPlugin). */
  reject(kind: RegistryKind, why: string): void;
}

// A copy, frozen: a plugin module may read or wrap a built-in plugin, not change it for everyone.
const frozenCopy = (plugin: PluginBase): PluginBase => Object.freeze({ ...plugin });

/**
 * A frozen facade of `registries` (each kind: register, has, get, names, list). Register checks with
 * hooks.check and works only until close() is called: a module keeping the facade for later cannot
 * change the registries of an experiment that has been validated.
 */
export function registriesFacade(registries: Registries, hooks: FacadeHooks): { facade: RegistriesFacade; close(): void } {
  let open = true;
  const kinds = Object.keys(registries) as RegistryKind[];
  const facade = Object.fromEntries(
    kinds.map((kind) => {
      const registry = registries[kind];
      const one: RegistryFacade = Object.freeze({
        register(plugin: unknown): RegistryFacade {
          if (!open) throw new Error(`registries.${kind}.register was called after the module's function returned; register plugins while it runs`);
          const why = hooks.check(kind, plugin);
          if (why) {
            hooks.reject(kind, why);
            throw new RejectedPlugin(why);
          }
          (registry as { register(p: unknown): unknown }).register(plugin);
          return one;
        },
        has: (type: string) => registry.has(type),
        get: (type: string) => frozenCopy(registry.get(type)),
        names: () => registry.names(),
        list: () => registry.list().map(frozenCopy),
      });
      return [kind, one];
    }),
  ) as Record<RegistryKind, RegistryFacade>;
  return {
    facade: Object.freeze(facade),
    close: () => {
      open = false;
    },
  };
}
