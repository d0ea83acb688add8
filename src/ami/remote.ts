/**
 * Each PBX's `remote_interface` (CONTRACT §9): the interface another PBX's queues give one of its
 * extensions (`PJSIP/{exten}@to-pbx-a`), and, read back, the extension such an interface names.
 */
export class RemoteInterfaces {
  private readonly byPbx: Map<string, { template: string; pattern: RegExp }>;

  constructor(rows: ReadonlyArray<{ name: string; remote_interface: string | null }> = []) {
    this.byPbx = new Map(rows.flatMap((r) => (r.remote_interface ? [[r.name, { template: r.remote_interface, pattern: templatePattern(r.remote_interface) }] as const] : [])));
  }

  /** The interface PBX `pbx`'s extension `exten` has on the other PBXs' queues; undefined without a template. */
  of(pbx: string, exten: string): string | undefined {
    return this.byPbx.get(pbx)?.template.replaceAll('{exten}', exten);
  }

  /** The extension `iface` names through the template of a PBX other than `except`, for which `owns` holds. */
  extenIn(iface: string, except: string, owns: (pbx: string, exten: string) => boolean): string | undefined {
    for (const [name, r] of this.byPbx) {
      if (name === except) continue;
      const exten = r.pattern.exec(iface)?.[1];
      if (exten !== undefined && owns(name, exten)) return exten;
    }
    return undefined;
  }
}

/** `PJSIP/{exten}@to-a` → /^PJSIP\/([0-9]+)@to-a$/: the extension read back out of a member's interface. */
function templatePattern(template: string): RegExp {
  const [head, ...rest] = template.split('{exten}').map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  // every further {exten} is the same extension again
  return new RegExp(`^${head}([0-9]+)${rest.join('\\1')}$`);
}
