import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { formatManualCiCsv, parseManualCiCsv } from './ci-csv.js';
import { recordManualCi } from './configuration-item.js';

const HEADER = 'name,class,owner,lifecycle,serial,model,location,purchaseDate,warrantyUntil,costCentre,description';

function problemOf(text: string): string {
  try {
    parseManualCiCsv(text, 'cis.csv');
  } catch (error) {
    expect(error).toBeInstanceOf(GantryError);
    expect((error as GantryError).code).toBe('CSV_INVALID');
    return (error as GantryError).message;
  }
  throw new Error('expected the CSV to be refused');
}

describe('manual CIs as CSV', () => {
  it('reads rows in any column order, empty cells as not recorded, quoted cells over several lines', () => {
    const rows = parseManualCiCsv(
      `class,name,owner,lifecycle,serial,model,location,purchaseDate,warrantyUntil,costCentre,description\r\ndatabase,orders-db,dba,in_use,SN1,PG 16,rack 4,2024-01-31,2027-01-31,CC-9,"main, ""orders""\nsecond line"\n\nsaas,mailer,,ordered,,,,,,,\n`,
      'cis.csv',
    );
    expect(rows.map((row) => row.line)).toEqual([2, 5]);
    expect(rows[0]?.ci).toEqual({ name: 'orders-db', class: 'database', owner: 'dba', lifecycle: 'in_use', serial: 'SN1', model: 'PG 16', location: 'rack 4', purchaseDate: '2024-01-31', warrantyUntil: '2027-01-31', costCentre: 'CC-9', description: 'main, "orders"\nsecond line' });
    expect(rows[1]?.ci).toMatchObject({ name: 'mailer', class: 'saas', owner: null, lifecycle: 'ordered', warrantyUntil: null });
  });

  it('names the file, line and column of every problem', () => {
    const message = problemOf(`${HEADER}\norders-db,database,dba,in_use,,,,2025-13-01,2027-02-30,,\nlb 1,load-balancer,net,in_use,,,,,,,\nswitch-1,router,net,in_use,,,,,,,\norders-db,database,dba,in_use,,,,,,,\n`);
    expect(message.split('\n')).toEqual([
      'cis.csv:2: purchaseDate: must be a date written YYYY-MM-DD, like 2027-03-31',
      'cis.csv:2: warrantyUntil: must be a date written YYYY-MM-DD, like 2027-03-31',
      expect.stringMatching(/^cis\.csv:3: name: must be 1-100 characters/),
      'cis.csv:4: class: must be one of load-balancer, database, network-device, saas, server, service, storage, other',
      'cis.csv:5: name: orders-db is already on line 2',
    ]);
    expect(problemOf('name,class,colour\n')).toContain('cis.csv:1: colour: unknown column');
    expect(problemOf('name,class\n')).toContain('cis.csv:1: owner: the column is missing from the header row');
    expect(problemOf(`${HEADER}\norders-db,database\n`)).toBe('cis.csv:2: 2 cells where the header names 11 columns');
    expect(problemOf(`${HEADER}\norders-db,"database\n`)).toMatch(/^cis\.csv:2: not valid CSV/);
    expect(problemOf('')).toMatch(/^cis\.csv:1: the file is empty/);
  });

  it('writes what it reads back', () => {
    const rows = parseManualCiCsv(`${HEADER}\norders-db,database,dba,maintenance,SN1,,"rack 4, row 2",2024-01-31,,CC-9,"a ""quoted""\nnote"\n`, 'in.csv');
    const stored = rows.map((row) => recordManualCi(undefined, row.ci, '2026-01-01T00:00:00.000Z').ci);
    const text = formatManualCiCsv(stored);
    expect(text.split('\n')[0]).toBe(HEADER);
    expect(parseManualCiCsv(text, 'out.csv').map((row) => row.ci)).toEqual(rows.map((row) => row.ci));
  });
});
