// The part of mvdan-sh (GopherJS build of mvdan.cc/sh/v3/syntax) proofline uses; the package ships no types.
declare module 'mvdan-sh' {
  namespace sh {
    interface Pos {
      Offset(): number;
    }
    interface Node {
      Pos(): Pos;
      End(): Pos;
    }
    interface File extends Node {
      Stmts: Stmt[];
    }
    interface Stmt extends Node {
      Cmd: Node | null;
      Redirs: Redirect[];
    }
    interface Redirect extends Node {
      Op: number;
      N: Lit | null;
      Word: Word | null;
    }
    interface Lit extends Node {
      Value: string;
    }
    interface Word extends Node {
      Parts: Node[];
    }
    interface Assign extends Node {
      Name: Lit | null;
      Value: Word | null;
    }
    interface CallExpr extends Node {
      Assigns: Assign[];
      Args: Word[];
    }
    interface SglQuoted extends Node {
      Value: string;
      Dollar: boolean;
    }
    interface DblQuoted extends Node {
      Parts: Node[];
    }
    interface ParamExp extends Node {
      Param: Lit | null;
      Short: boolean;
    }
    interface BinaryCmd extends Node {
      Op: number;
      X: Stmt;
      Y: Stmt;
    }
    interface Parser {
      Parse(src: string, name: string): File;
    }
    /** What Parse throws: a Go error object whose `Error()` is `line:col: message`. */
    interface ParseError {
      Error(): string;
    }
    interface Syntax {
      NewParser(...options: unknown[]): Parser;
      NodeType(node: Node): string;
      Walk(node: Node, visit: (node: Node | null) => boolean): void;
    }
  }
  const sh: { syntax: sh.Syntax };
  export = sh;
}
