import Testing
import Warehouse

/// Migration files run one statement per execute (Citus refuses DDL on distributed tables inside a
/// multi-statement string), so the split must never cut inside quotes, comments or function bodies.
@Suite("Splitting SQL scripts into statements")
struct SQLStatementsTests {
    @Test("semicolons in strings, identifiers, comments, dollar quotes and BEGIN ATOMIC bodies do not split")
    func quotedSemicolons() {
        let script = """
            -- header; with a semicolon
            create table "a;b" (x text default 'it''s; fine');
            /* block; /* nested; */ still comment */
            create function f() returns int language plpgsql as $body$
            begin
                perform 1; return 2;
            end
            $body$;
            select E'back\\'slash;', $1::text, 'x' as "y;";
            create function g() returns int language sql begin atomic
                select case when true then 1 else 2 end; select 3;
            end;
            comment on table "a;b" is 'done'
            """
        let statements = SQLStatements.split(script)
        #expect(statements.count == 5, "\(statements.map(\.text))")
        #expect(statements[0].text.hasSuffix("default 'it''s; fine')"))
        #expect(statements[0].line == 1, "comments stay with the statement that follows them")
        #expect(statements[1].text.contains("perform 1; return 2;"))
        #expect(statements[1].line == 3)
        #expect(statements[2].text.hasPrefix("select E'back\\'slash;'"))
        #expect(statements[3].text.hasSuffix("select 3;\n    end") || statements[3].text.hasSuffix("select 3;\nend"))
        #expect(statements[4].text == "comment on table \"a;b\" is 'done'")
        #expect(statements[4].line == 13)
    }

    @Test("a script of comments and blank statements gives none; error positions map back to script lines")
    func emptyAndLines() {
        #expect(SQLStatements.split("-- nothing\n;\n  ;/* still nothing */").isEmpty)
        let statements = SQLStatements.split("select 1;\n\nselect\n  2,\n  oops;")
        #expect(statements.count == 2)
        #expect(statements[1].line == 3)
        // "oops" is character 15 of "select\n  2,\n  oops": line 3 + the 2 newlines before it = 5
        #expect(statements[1].scriptLine(ofCharacterPosition: 15) == 5)
    }
}
