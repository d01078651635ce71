// GenieACS provision "ponstack-inform": run by the presets in presets.json with the inform's event
// code as its argument; reports the device to ponstack through the "ponstack" extension.
const event = args[0] || "";
const deviceId = declare("DeviceID.ID", {value: 1}).value[0];
const serial = declare("DeviceID.SerialNumber", {value: 1}).value[0];
const oui = declare("DeviceID.OUI", {value: 1}).value[0];
const productClass = declare("DeviceID.ProductClass", {value: 1}).value[0];
ext("ponstack", "inform", deviceId, serial, oui, productClass, event);
