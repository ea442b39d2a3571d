<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>LookupHome</name>
    <message numerus="yes">
        <source>%n record(s) of this till wait to be sent to head office.</source>
        <translation>
            <numerusform>%n record of this till waits to be sent to head office.</numerusform>
            <numerusform>%n records of this till wait to be sent to head office.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LookupPage</name>
    <message numerus="yes">
        <source>%n member(s) found: choose with the arrow keys and Enter.</source>
        <translation>
            <numerusform>%n member found: choose with the arrow keys and Enter.</numerusform>
            <numerusform>%n members found: choose with the arrow keys and Enter.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message numerus="yes">
        <source>Nothing was lost: %n item(s) wait for the next sync.</source>
        <translation>
            <numerusform>Nothing was lost: %n item waits for the next sync.</numerusform>
            <numerusform>Nothing was lost: %n items wait for the next sync.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n item(s) were rejected: see the list below.</source>
        <translation>
            <numerusform>%n item was rejected: see the list below.</numerusform>
            <numerusform>%n items were rejected: see the list below.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n item(s) still wait to be sent.</source>
        <translation>
            <numerusform>%n item still waits to be sent.</numerusform>
            <numerusform>%n items still wait to be sent.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TillStatusBar</name>
    <message numerus="yes">
        <source>%n record(s) to send</source>
        <translation>
            <numerusform>%n record to send</numerusform>
            <numerusform>%n records to send</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Clock %n min ahead of the server</source>
        <translation>
            <numerusform>Clock %n min ahead of the server</numerusform>
            <numerusform>Clock %n min ahead of the server</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Clock %n min behind the server</source>
        <translation>
            <numerusform>Clock %n min behind the server</numerusform>
            <numerusform>Clock %n min behind the server</numerusform>
        </translation>
    </message>
</context>
</TS>
