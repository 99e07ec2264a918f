/**
 * Hand-written declarations for the part of the `smpp` package (0.5.1) we use: its protocol
 * definition tables. We do not use its Session, Server or PDU classes (see src/smpp/codec.ts
 * for why), so they are not declared.
 */
declare module 'smpp' {
  /** A field codec from the package's `types` table; we only compare identities. */
  export interface FieldType {
    readonly default: unknown;
  }

  export interface ParamDef {
    type: FieldType;
    default?: unknown;
  }

  export interface CommandDef {
    id: number;
    command: string;
    params?: Record<string, ParamDef>;
    tlvMap?: Record<string, string>;
  }

  export interface TlvDef {
    id: number;
    tag: string;
    type: FieldType;
    multiple?: boolean;
  }

  export const commands: Record<string, CommandDef>;
  export const commandsById: Record<number, CommandDef>;
  export const tlvs: Record<string, TlvDef>;
  export const tlvsById: Record<number, TlvDef>;
  export const errors: Record<string, number>;

  export const types: {
    int8: FieldType;
    int16: FieldType;
    int32: FieldType;
    string: FieldType;
    cstring: FieldType;
    buffer: FieldType;
    dest_address_array: FieldType;
    unsuccess_sme_array: FieldType;
    tlv: {
      int8: FieldType;
      int16: FieldType;
      int32: FieldType;
      cstring: FieldType;
      string: FieldType;
      buffer: FieldType;
    };
  };

  const smpp: {
    commands: typeof commands;
    commandsById: typeof commandsById;
    tlvs: typeof tlvs;
    tlvsById: typeof tlvsById;
    errors: typeof errors;
    types: typeof types;
  };
  export default smpp;
}
